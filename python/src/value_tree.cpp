// Python values -> YamlTree, with the CPython API directly: a case is a few dozen values,
// and going through pybind11's object wrappers would cost more than deciding it.
#include "value_tree.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

namespace covcheck::python {

namespace {

using engine::YamlNode;
using engine::YamlTree;

constexpr int max_depth = 64;  // as the YAML reader's limit

struct Builder {
  YamlTree& tree;
  std::vector<std::uint32_t>& stack;  // children of the open collections, innermost last
  std::string& error;

  std::uint32_t scalar(std::string_view text, bool quoted) {
    auto at = static_cast<std::uint32_t>(tree.nodes.size());
    YamlNode n;
    n.kind = YamlNode::Kind::scalar;
    n.quoted = quoted;
    n.first = static_cast<std::uint32_t>(tree.text.size());
    n.count = static_cast<std::uint32_t>(text.size());
    tree.text.append(text);
    tree.nodes.push_back(n);
    return at;
  }

  std::uint32_t null() {
    auto at = static_cast<std::uint32_t>(tree.nodes.size());
    tree.nodes.push_back(YamlNode{});
    return at;
  }

  // A collection's children are contiguous in `children`: they are built first (each may
  // append children of its own), stacked from `mark` on, then appended together.
  std::uint32_t collection(YamlNode::Kind kind, std::size_t mark) {
    auto at = static_cast<std::uint32_t>(tree.nodes.size());
    YamlNode n;
    n.kind = kind;
    n.first = static_cast<std::uint32_t>(tree.children.size());
    n.count = static_cast<std::uint32_t>(stack.size() - mark);
    tree.children.insert(tree.children.end(), stack.begin() + static_cast<std::ptrdiff_t>(mark), stack.end());
    stack.resize(mark);
    tree.nodes.push_back(n);
    return at;
  }

  bool text_of(PyObject* s, std::string_view& out) {
    Py_ssize_t size = 0;
    const char* chars = PyUnicode_AsUTF8AndSize(s, &size);
    if (chars == nullptr) {
      PyErr_Clear();
      error = "a string that is not valid Unicode";
      return false;
    }
    out = std::string_view(chars, static_cast<std::size_t>(size));
    return true;
  }

  bool plain_from_str(PyObject* method_result, std::uint32_t& out) {
    if (method_result == nullptr) {
      PyErr_Clear();
      error = "a value that cannot be written as text";
      return false;
    }
    std::string_view text;
    bool ok = PyUnicode_Check(method_result) && text_of(method_result, text);
    if (ok) out = scalar(text, false);
    Py_DECREF(method_result);
    return ok;
  }

  bool build(PyObject* v, int depth, std::uint32_t& out) {
    if (depth > max_depth) {
      error = "the case nests deeper than 64 levels";
      return false;
    }
    if (v == Py_None) {
      out = null();
      return true;
    }
    if (PyUnicode_Check(v)) {
      std::string_view text;
      if (!text_of(v, text)) return false;
      out = scalar(text, true);
      return true;
    }
    if (PyBool_Check(v)) {
      out = scalar(v == Py_True ? "true" : "false", false);
      return true;
    }
    if (PyLong_CheckExact(v)) {
      // An int that fits 64 bits is written here, as str() would write it, without a
      // Python string per number; a larger one (an error later) and int subclasses go
      // through str().
      int overflow = 0;
      const long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
      if (overflow == 0 && !(n == -1 && PyErr_Occurred())) {
        char text[24];
        auto [end, ec] = std::to_chars(text, text + sizeof text, n);
        out = scalar(std::string_view(text, static_cast<std::size_t>(end - text)), false);
        return true;
      }
      PyErr_Clear();
    }
    if (PyLong_Check(v)) return plain_from_str(PyObject_Str(v), out);
    if (PyFloat_Check(v)) {
      double d = PyFloat_AS_DOUBLE(v);
      if (std::isnan(d)) {  // pandas' missing value: absent
        out = null();
        return true;
      }
      char* text = PyOS_double_to_string(d, 'r', 0, 0, nullptr);
      if (text == nullptr) {
        PyErr_Clear();
        error = "a number that cannot be written as text";
        return false;
      }
      out = scalar(text, false);
      PyMem_Free(text);
      return true;
    }
    if (PyDict_Check(v)) {
      const std::size_t mark = stack.size();
      PyObject* key = nullptr;
      PyObject* value = nullptr;
      Py_ssize_t pos = 0;
      while (PyDict_Next(v, &pos, &key, &value)) {
        std::uint32_t k = 0;
        std::uint32_t x = 0;
        if (PyUnicode_Check(key)) {
          std::string_view text;
          if (!text_of(key, text)) return false;
          k = scalar(text, true);
        } else if (!build(key, depth + 1, k)) {
          return false;
        }
        stack.push_back(k);
        if (!build(value, depth + 1, x)) return false;
        stack.push_back(x);
      }
      out = collection(YamlNode::Kind::mapping, mark);
      return true;
    }
    if (PyList_Check(v) || PyTuple_Check(v)) {
      PyObject* seq = v;
      Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
      const std::size_t mark = stack.size();
      PyObject** elements = PySequence_Fast_ITEMS(seq);
      for (Py_ssize_t i = 0; i < n; ++i) {
        std::uint32_t x = 0;
        if (!build(elements[i], depth + 1, x)) return false;
        stack.push_back(x);
      }
      out = collection(YamlNode::Kind::sequence, mark);
      return true;
    }
    // datetime.date / datetime / pandas.Timestamp: ISO text, read as the field's type says.
    if (PyObject_HasAttrString(v, "isoformat")) {
      if (PyObject_HasAttrString(v, "hour")) {
        // A timestamp at midnight is a date (pandas reads date columns as timestamps).
        PyObject* date = PyObject_CallMethod(v, "date", nullptr);
        if (date == nullptr) PyErr_Clear();
        else {
          bool ok = plain_from_str(PyObject_CallMethod(date, "isoformat", nullptr), out);
          Py_DECREF(date);
          return ok;
        }
      }
      return plain_from_str(PyObject_CallMethod(v, "isoformat", nullptr), out);
    }
    // numpy's scalars: integers have __index__, floats convert, numpy.bool_ has `item`.
    if (PyIndex_Check(v)) {
      PyObject* i = PyNumber_Index(v);
      if (i == nullptr) PyErr_Clear();
      else {
        bool ok = build(i, depth, out);
        Py_DECREF(i);
        return ok;
      }
    }
    if (PyObject_HasAttrString(v, "item")) {
      PyObject* item = PyObject_CallMethod(v, "item", nullptr);
      if (item == nullptr) PyErr_Clear();
      else if (item != v &&
               (PyBool_Check(item) || PyLong_Check(item) || PyFloat_Check(item) || PyUnicode_Check(item))) {
        bool ok = build(item, depth, out);
        Py_DECREF(item);
        return ok;
      } else {
        Py_DECREF(item);
      }
    }
    error = std::string("a value of Python type `") + Py_TYPE(v)->tp_name +
            "`; a case holds dicts, lists, strings, numbers, booleans, None and dates";
    return false;
  }
};

}  // namespace

bool build_value_tree(PyObject* value, engine::YamlTree& tree, ValueTreeScratch& scratch, std::string& error) {
  tree.nodes.clear();
  tree.children.clear();
  tree.text.clear();
  tree.root = engine::yaml_none;
  scratch.children.clear();  // a failed build may leave some
  Builder b{tree, scratch.children, error};
  std::uint32_t root = 0;
  if (!b.build(value, 0, root)) return false;
  tree.root = root;
  return true;
}

}  // namespace covcheck::python
