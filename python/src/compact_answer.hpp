// A compact answer (`compact=True`) as a small Python object of a C type: the fields the
// package reads (decision, prior_auth, benefit, case_id), its `batch --compact` line, and the
// result interface of the module's `_Result` (answered, compact, json(), text(), …). A
// pybind11 instance per answer cost more than deciding the case; this one is a plain object
// allocation, not tracked by the garbage collector (it holds only strings, booleans, None).
#pragma once

#include <Python.h>

namespace covcheck::python {

// Adds the type to `module` as `_CompactAnswer`; false (a Python error set) when it fails.
bool add_compact_answer_type(PyObject* module);

// A new answer (a new reference, null with a Python error set on failure). The arguments are
// borrowed: `decision` and `json` are str, `prior_auth` True / False / None, `benefit` and
// `case_id` str or None.
PyObject* new_compact_answer(PyObject* decision, PyObject* prior_auth, PyObject* benefit, PyObject* case_id,
                             PyObject* json);

}  // namespace covcheck::python
