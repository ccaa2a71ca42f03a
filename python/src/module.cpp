// covcheck._covcheck: the pybind11 module under the `covcheck` package. It exposes the rule
// set, one case's result and the batch entry points; the Pythonic surface (exceptions,
// enums, Determination, pandas, Dask) is covcheck/__init__.py over these.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <thread>

#include "compact_answer.hpp"
#include "dsl/source/dates.hpp"
#include "rule_set.hpp"
#include "value_tree.hpp"

namespace py = pybind11;

namespace covcheck::python {
namespace {

// One case's result with the rule set that renders it.
struct Result {
  std::shared_ptr<const RuleSet> rules;
  CaseResult r;

  // Full answers and errors: compact answers are _CompactAnswer objects (compact_answer.hpp).
  bool answered() const { return r.determination != nullptr; }
  py::object decision() const {
    if (r.determination) return py::str(engine::decision_name(r.determination->decision));
    return py::none();
  }
  py::object prior_auth() const {
    std::optional<bool> p = r.determination ? r.determination->prior_auth : std::nullopt;
    return p ? py::object(py::bool_(*p)) : py::object(py::none());
  }
  py::object benefit() const {
    if (r.determination && r.determination->benefit) return py::str(*r.determination->benefit);
    return py::none();
  }
  py::object case_id() const { return r.case_id ? py::object(py::str(*r.case_id)) : py::object(py::none()); }
};

std::optional<std::int32_t> as_of_date(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::optional<std::int32_t> d = dsl::parse_iso_date(*text);
  if (!d) throw py::value_error("as_of: `" + *text + "` is not a date (YYYY-MM-DD)");
  return d;
}

std::string_view text_format(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' ? "json" : "yaml";
  }
  return "yaml";
}

// With the GIL held: text stays in the Python string (kept alive by the caller's list),
// dicts become value trees.
void prepare(PyObject* obj, PreparedCase& c, ValueTreeScratch& scratch) {
  c.error.clear();
  if (PyUnicode_Check(obj)) {
    Py_ssize_t size = 0;
    const char* chars = PyUnicode_AsUTF8AndSize(obj, &size);
    if (chars == nullptr) {
      PyErr_Clear();
      c.error = "the case text is not valid Unicode";
      return;
    }
    c.text = std::string_view(chars, static_cast<std::size_t>(size));
    c.format = text_format(c.text);
  } else if (PyBytes_Check(obj)) {
    c.text = std::string_view(PyBytes_AS_STRING(obj), static_cast<std::size_t>(PyBytes_GET_SIZE(obj)));
    c.format = text_format(c.text);
  } else if (PyDict_Check(obj)) {
    c.text = {};
    c.format = "value";
    build_value_tree(obj, c.tree, scratch, c.error);
  } else {
    c.error = std::string("a case is a dict or YAML/JSON text, not a `") + Py_TYPE(obj)->tp_name + "`";
  }
}

// Runs `work(begin, end)` over [0, n) on up to `threads` threads, without the GIL.
template <class Work>
void in_threads(std::size_t n, unsigned threads, Work work) {
  py::gil_scoped_release release;
  if (threads <= 1 || n < 2 * static_cast<std::size_t>(threads)) {
    work(std::size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::size_t per = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    std::size_t begin = t * per;
    std::size_t end = std::min(n, begin + per);
    if (begin >= end) break;
    pool.emplace_back([&, begin, end] {
      try {
        work(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        failure = std::current_exception();
      }
    });
  }
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

// The Python objects of the answers of one call, made with the GIL held: compact answers
// as _CompactAnswer objects sharing their decision and benefit strings, the rest as _Result.
class Answers {
 public:
  explicit Answers(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {
    for (engine::Decision d :
         {engine::Decision::covered, engine::Decision::pend, engine::Decision::denied, engine::Decision::excluded})
      decisions_[static_cast<std::size_t>(d)] = py::str(engine::decision_name(d));
    benefits_.resize(rules_->benefit_members().size());
  }

  py::object operator()(CaseResult&& r) {
    if (!r.compact) return py::cast(Result{rules_, std::move(r)});
    const CompactFields& f = *r.compact;
    py::object case_id = r.case_id ? py::object(text(*r.case_id)) : py::none();
    py::object line = text(r.json);
    PyObject* prior_auth = !f.prior_auth ? Py_None : *f.prior_auth ? Py_True : Py_False;
    PyObject* made = new_compact_answer(decisions_[static_cast<std::size_t>(f.decision)].ptr(), prior_auth,
                                        benefit(f.benefit).ptr(), case_id.ptr(), line.ptr());
    if (made == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(made);
  }

 private:
  // Case text is UTF-8 and the JSON writer keeps it so; "replace" only guards the impossible.
  static py::str text(const std::string& s) {
    PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
    if (o == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(o);
  }
  const py::object& benefit(std::uint32_t member) {
    if (member == engine::no_member || member >= benefits_.size()) return none_;
    if (!benefits_[member]) benefits_[member] = py::str(rules_->benefit_members()[member]);
    return benefits_[member];
  }

  std::shared_ptr<const RuleSet> rules_;
  py::object decisions_[4];
  std::vector<py::object> benefits_;  // by member, made on first use
  py::object none_ = py::none();
};

// The answers check_many wraps (covcheck.Determination objects) are left out of the garbage
// collector's generations, as CPython leaves out tuples and dicts of plain values: holding only
// the engine's result (no reference cycle can pass through it), they cannot be part of a
// cycle until their JSON answer is parsed into a dict, and Determination.to_dict() gives them
// back to the collector then (`_track`). A corpus's answers, kept by the hundred thousand,
// would otherwise make the collector walk every object of the program, the caller's cases
// included, again and again: most of check_many's time when the cases are dicts.
py::object untracked(py::object o) {
  if (PyObject_IS_GC(o.ptr()) && PyObject_GC_IsTracked(o.ptr())) PyObject_GC_UnTrack(o.ptr());
  return o;
}

void track_again(PyObject* o) {
  if (PyObject_IS_GC(o) && !PyObject_GC_IsTracked(o)) PyObject_GC_Track(o);
}

DecideOptions options_of(bool trace, bool compact, std::uint32_t trace_elements) {
  DecideOptions o;
  o.trace = trace;
  o.compact = compact;
  o.trace_elements = trace_elements;
  return o;
}

py::tuple compile_result(std::shared_ptr<RuleSet> rs, const CompileFailure& failure) {
  if (rs) return py::make_tuple(py::cast(std::move(rs)), py::none(), py::none());
  return py::make_tuple(py::none(), failure.diagnostics_json, failure.text);
}

}  // namespace
}  // namespace covcheck::python

PYBIND11_MODULE(_covcheck, m) {
  using namespace covcheck::python;
  m.doc() = "covcheck's C++ engine; use the `covcheck` package, which wraps it.";
  if (!add_compact_answer_type(m.ptr())) throw py::error_already_set();

  py::class_<Result>(m, "_Result")
      .def_property_readonly("answered", &Result::answered)
      .def_property_readonly("decision", &Result::decision)
      .def_property_readonly("prior_auth", &Result::prior_auth)
      .def_property_readonly("benefit", &Result::benefit)
      .def_property_readonly("case_id", &Result::case_id)
      .def_property_readonly("compact", [](const Result&) { return false; })
      .def_property_readonly("undecidable", [](const Result& x) { return x.r.undecidable; })
      .def_property_readonly("error", [](const Result& x) { return x.r.error; })
      .def_property_readonly("diagnostics_json", [](const Result& x) { return x.r.diagnostics_json; })
      .def_property_readonly("diagnostics_text", [](const Result& x) { return x.r.diagnostics_text; })
      .def("json", [](const Result& x) { return x.rules->json_line(x.r); })
      .def("text", [](const Result& x) { return x.rules->text(x.r); });

  py::class_<RuleSet, std::shared_ptr<RuleSet>>(m, "_RuleSet")
      .def_property_readonly("as_of",
                             [](const RuleSet& rs) -> py::object {
                               if (!rs.as_of()) return py::none();
                               return py::str(covcheck::dsl::format_iso_date(*rs.as_of()));
                             })
      .def(
          "check_many",
          [](std::shared_ptr<RuleSet> rs, py::list cases, unsigned threads, bool trace, bool compact,
             std::uint32_t trace_elements, py::object wrap) {
            // Cases are prepared (dicts turned into value trees) with the GIL held and decided
            // without it, a block at a time, so that a block's trees are still in cache when
            // decided and their storage serves the next block. Several threads share out larger
            // blocks, each starting its threads.
            const std::size_t n = cases.size();
            const std::size_t block = threads <= 1 ? std::size_t{64} : std::size_t{256} * threads;
            std::vector<PreparedCase> prepared(std::min(block, n));
            std::vector<CaseResult> results(n);
            ValueTreeScratch scratch;
            const DecideOptions o = options_of(trace, compact, trace_elements);
            for (std::size_t first = 0; first < n; first += block) {
              const std::size_t count = std::min(block, n - first);
              for (std::size_t k = 0; k < count; ++k) {
                if (k > 0 && prepared[k].tree.nodes.capacity() == 0) {
                  // Cases of a corpus are alike: one allocation per array, not one per doubling.
                  const covcheck::engine::YamlTree& last = prepared[k - 1].tree;
                  prepared[k].tree.nodes.reserve(last.nodes.size());
                  prepared[k].tree.children.reserve(last.children.size());
                  prepared[k].tree.text.reserve(last.text.size());
                }
                prepare(PyList_GET_ITEM(cases.ptr(), static_cast<Py_ssize_t>(first + k)), prepared[k], scratch);
              }
              in_threads(count, threads, [&](std::size_t b, std::size_t e) {
                rs->decide(prepared.data() + b, results.data() + first + b, e - b, o);
              });
            }
            py::list out(n);
            Answers answers(rs);
            for (std::size_t i = 0; i < n; ++i) {
              const bool answered = results[i].compact || results[i].determination;
              py::object answer = answers(std::move(results[i]));
              if (answered && !wrap.is_none()) answer = untracked(wrap(answer));
              PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), answer.release().ptr());
            }
            return out;
          },
          py::arg("cases"), py::arg("threads") = 1, py::arg("trace") = false, py::arg("compact") = false,
          py::arg("trace_elements") = covcheck::engine::default_trace_elements, py::arg("wrap") = py::none())
      .def(
          "batch_lines",
          [](std::shared_ptr<RuleSet> rs, py::list records, std::vector<std::uint64_t> lines, std::string name,
             unsigned threads, bool trace, bool compact, std::uint32_t trace_elements) {
            std::size_t n = records.size();
            if (lines.size() != n) throw py::value_error("batch_lines: one line number per record");
            std::vector<std::string_view> texts(n);
            for (std::size_t i = 0; i < n; ++i) {
              PyObject* o = PyList_GET_ITEM(records.ptr(), static_cast<Py_ssize_t>(i));
              Py_ssize_t size = 0;
              const char* chars = PyUnicode_Check(o) ? PyUnicode_AsUTF8AndSize(o, &size) : nullptr;
              if (chars == nullptr) throw py::type_error("batch_lines: records are strings");
              texts[i] = std::string_view(chars, static_cast<std::size_t>(size));
            }
            std::vector<std::string> out(n);
            DecideOptions o = options_of(trace, compact, trace_elements);
            in_threads(n, threads,
                       [&](std::size_t b, std::size_t e) { rs->batch_lines(texts, lines, name, o, b, e, out); });
            py::list lines_out(n);
            for (std::size_t i = 0; i < n; ++i)
              PyList_SET_ITEM(lines_out.ptr(), static_cast<Py_ssize_t>(i), py::str(out[i]).release().ptr());
            return lines_out;
          },
          py::arg("records"), py::arg("lines"), py::arg("name") = "<stdin>", py::arg("threads") = 1,
          py::arg("trace") = false, py::arg("compact") = false,
          py::arg("trace_elements") = covcheck::engine::default_trace_elements);

  m.def(
      "_track", [](py::object o) { track_again(o.ptr()); }, py::arg("o"),
      "Lets the garbage collector follow `o` again (see check_many's `wrap`).");
  m.def(
      "load",
      [](std::vector<std::string> paths, std::optional<std::string> as_of) {
        CompileFailure failure;
        std::optional<std::int32_t> date = as_of_date(as_of);
        std::shared_ptr<RuleSet> rs;
        {
          py::gil_scoped_release release;
          rs = RuleSet::load(paths, date, failure);
        }
        return compile_result(std::move(rs), failure);
      },
      py::arg("paths"), py::arg("as_of") = py::none());
  m.def(
      "from_source",
      [](std::string text, std::string name, std::optional<std::string> as_of) {
        CompileFailure failure;
        std::optional<std::int32_t> date = as_of_date(as_of);
        std::shared_ptr<RuleSet> rs = RuleSet::from_source(text, name, date, failure);
        return compile_result(std::move(rs), failure);
      },
      py::arg("text"), py::arg("name") = "<source>.cpl", py::arg("as_of") = py::none());
}
