// Python values (dicts, lists, strings, numbers, booleans, None, dates) as the in-memory
// value tree the session's "value" reader walks (engine/cases/case_readers.hpp): a YamlTree
// whose strings are quoted scalars and whose numbers and booleans are plain ones, so the case
// is read exactly as the same document written in YAML would be. Called with the GIL held.
#pragma once

#include <Python.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cases/yaml_tree.hpp"

namespace covcheck::python {

// Scratch storage reused from case to case: the children of the collections being built,
// stacked (a collection's children are appended to the tree together once all are built).
struct ValueTreeScratch {
  std::vector<std::uint32_t> children;
};

// Fills `tree` (its storage reused) from `value`. False, with `error` worded for the user,
// when a value has no case meaning (a set, an object) or nests deeper than the readers allow.
bool build_value_tree(PyObject* value, engine::YamlTree& tree, ValueTreeScratch& scratch, std::string& error);

}  // namespace covcheck::python
