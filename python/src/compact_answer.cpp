// The `_CompactAnswer` type (see compact_answer.hpp), with the CPython API directly.
#include "compact_answer.hpp"

#include <structmember.h>

#include <cstddef>

namespace covcheck::python {

namespace {

struct CompactAnswer {
  PyObject_HEAD PyObject* decision;
  PyObject* prior_auth;
  PyObject* benefit;
  PyObject* case_id;
  PyObject* json;
};

// The type object, made once when the module is imported: a class definition, holding
// nothing of any case.
PyTypeObject* compact_answer_type = nullptr;

void dealloc(PyObject* self) {
  auto* a = reinterpret_cast<CompactAnswer*>(self);
  Py_XDECREF(a->decision);
  Py_XDECREF(a->prior_auth);
  Py_XDECREF(a->benefit);
  Py_XDECREF(a->case_id);
  Py_XDECREF(a->json);
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);  // instances of a heap type hold a reference to it
}

PyObject* json(PyObject* self, PyObject*) {
  PyObject* line = reinterpret_cast<CompactAnswer*>(self)->json;
  Py_INCREF(line);
  return line;
}

PyObject* yes(PyObject*, void*) { Py_RETURN_TRUE; }
PyObject* no(PyObject*, void*) { Py_RETURN_FALSE; }
PyObject* empty(PyObject*, void*) { return PyUnicode_FromStringAndSize("", 0); }

PyMemberDef members[] = {
    {"decision", T_OBJECT_EX, offsetof(CompactAnswer, decision), READONLY, "covered, pend, denied or excluded"},
    {"prior_auth", T_OBJECT_EX, offsetof(CompactAnswer, prior_auth), READONLY, "True, False or None (unknown)"},
    {"benefit", T_OBJECT_EX, offsetof(CompactAnswer, benefit), READONLY, "the benefit routed to, or None"},
    {"case_id", T_OBJECT_EX, offsetof(CompactAnswer, case_id), READONLY, "the case's id, or None"},
    {nullptr, 0, 0, 0, nullptr},
};

// The same names as `_Result`'s: an answer, compact, with no error.
PyGetSetDef properties[] = {
    {"answered", yes, nullptr, nullptr, nullptr},           {"compact", yes, nullptr, nullptr, nullptr},
    {"undecidable", no, nullptr, nullptr, nullptr},         {"error", empty, nullptr, nullptr, nullptr},
    {"diagnostics_json", empty, nullptr, nullptr, nullptr}, {"diagnostics_text", empty, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyMethodDef methods[] = {
    {"json", json, METH_NOARGS, "The `batch --compact` line."},
    {"text", json, METH_NOARGS, "The same line: a compact answer has no text form of its own."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(dealloc)},
    {Py_tp_members, members},
    {Py_tp_getset, properties},
    {Py_tp_methods, methods},
    {Py_tp_doc, const_cast<char*>("A compact answer of the engine; wrapped by covcheck.Determination.")},
    {0, nullptr},
};

// Made by the module only, never from Python.
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
constexpr unsigned int flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION;
#else
constexpr unsigned int flags = Py_TPFLAGS_DEFAULT;
#endif
PyType_Spec spec = {"covcheck._covcheck._CompactAnswer", sizeof(CompactAnswer), 0, flags, slots};

}  // namespace

bool add_compact_answer_type(PyObject* module) {
  if (compact_answer_type == nullptr) {
    compact_answer_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
    if (compact_answer_type == nullptr) return false;
  }
  Py_INCREF(compact_answer_type);
  if (PyModule_AddObject(module, "_CompactAnswer", reinterpret_cast<PyObject*>(compact_answer_type)) < 0) {
    Py_DECREF(compact_answer_type);
    return false;
  }
  return true;
}

PyObject* new_compact_answer(PyObject* decision, PyObject* prior_auth, PyObject* benefit, PyObject* case_id,
                             PyObject* json) {
  CompactAnswer* a = PyObject_New(CompactAnswer, compact_answer_type);
  if (a == nullptr) return nullptr;
  Py_INCREF(decision);
  Py_INCREF(prior_auth);
  Py_INCREF(benefit);
  Py_INCREF(case_id);
  Py_INCREF(json);
  a->decision = decision;
  a->prior_auth = prior_auth;
  a->benefit = benefit;
  a->case_id = case_id;
  a->json = json;
  return reinterpret_cast<PyObject*>(a);
}

}  // namespace covcheck::python
