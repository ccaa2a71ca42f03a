// Python values (dicts, lists, strings, numbers, booleans, None, dates) as the in-memory
// value tree the session's "value" reader walks (engine/cases/case_readers.hpp): a YamlTree
// whose strings are quoted scalars and whose numbers and booleans are plain ones, so the case
// is read exactly as the same document written in YAML would be. Called with the GIL held.
#pragma once

#include <Python.h>

#include <string>

#include "engine/cases/yaml_tree.hpp"

namespace covcheck::python {

// Fills `tree` (its storage reused) from `value`. False, with `error` worded for the user,
// when a value has no case meaning (a set, an object) or nests deeper than the readers allow.
bool build_value_tree(PyObject* value, engine::YamlTree& tree, std::string& error);

}  // namespace covcheck::python
