// Google Benchmark micro-benchmarks of evaluation (never run by ctest; see bench/run.sh):
// the peer workload per case without and with the trace, the hand-written C++ baseline on
// the same cases, compiling rule sets, and how cost grows with the number of rules, the
// size of a case and the size of a code set.
//   COVCHECK_BENCH_CASES=cases.jsonl covcheck_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "bench/baseline.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/cases/fhir/bundle_reader.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/eval/decider.hpp"
#include "engine/eval/evaluate.hpp"

namespace fs = std::filesystem;
using namespace covcheck;

namespace {

struct Built {
  dsl::SourceRegistry sources;
  std::shared_ptr<const engine::Program> program;
};

std::unique_ptr<Built> build(const std::vector<std::string>& paths) {
  auto b = std::make_unique<Built>();
  dsl::Diagnostics diags;
  b->program = engine::build_rule_set(paths, b->sources, diags).program;
  if (!b->program) {
    std::fprintf(stderr, "%s", dsl::render_all(diags, b->sources).c_str());
    std::exit(2);
  }
  return b;
}

std::unique_ptr<Built> build_text(const std::string& name, const std::string& text) {
  fs::path dir = fs::temp_directory_path() / ("covcheck-bench-" + name);
  fs::create_directories(dir);
  std::ofstream(dir / "policy.cpl") << text;
  return build({dir.string()});
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

engine::Case load_yaml(Built& b, const std::string& text) {
  dsl::Diagnostics diags;
  dsl::FileId f = b.sources.add("case.yaml", text);
  auto c = engine::load_case(b.program->schema(), b.sources, f, diags);
  if (!c) {
    std::fprintf(stderr, "%s", dsl::render_all(diags, b.sources).c_str());
    std::exit(2);
  }
  return *c;
}

// The workload's cases, parsed once for covcheck and once for the baseline.
struct Workload {
  std::unique_ptr<Built> built;
  std::vector<engine::Case> cases;
  std::vector<baseline::Case> plain;
};

Workload load_workload(const std::string& source_dir, const std::string& path, std::size_t limit) {
  Workload w;
  w.built = build({source_dir + "/bench/workload"});
  std::string text = read_file(path);
  engine::JsonCaseLoader loader;
  simdjson::ondemand::parser parser;
  std::size_t pos = 0;
  while (pos < text.size() && w.cases.size() < limit) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    engine::Case c;
    dsl::Diagnostics diags;
    if (!loader.load(w.built->program->schema(), line, line.size(), dsl::no_file, diags, c)) continue;
    w.cases.push_back(std::move(c));
    simdjson::padded_string padded(line);
    baseline::Case b;
    baseline::parse(parser, padded, b);
    w.plain.push_back(std::move(b));
  }
  // Cases kept in memory are compacted, as a corpus held for replay would be; set
  // COVCHECK_BENCH_AS_LOADED=1 to measure them as the loader left them.
  if (!std::getenv("COVCHECK_BENCH_AS_LOADED")) engine::compact_cases(w.cases);
  return w;
}

void eval_quick(benchmark::State& state, const Workload& w) {
  engine::QuickDecider quick(*w.built->program);
  engine::QuickDetermination q;
  for (auto _ : state) {
    for (const engine::Case& c : w.cases) {
      quick.decide(c, std::nullopt, q);
      benchmark::DoNotOptimize(q.decision);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.cases.size()));
}

void eval_full(benchmark::State& state, const Workload& w, bool trace) {
  engine::EvaluationOptions options;
  options.trace = trace;
  options.sources = &w.built->sources;
  for (auto _ : state) {
    for (const engine::Case& c : w.cases) {
      engine::Evaluation e = engine::evaluate(*w.built->program, c, options);
      benchmark::DoNotOptimize(e.determination);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.cases.size()));
}

// The decision with every condition's trace recorded (engine/eval/trace_log.hpp), as evaluate()
// records it; turning it into text is rendering (measured end to end by `batch --trace`).
void eval_trace_recorded(benchmark::State& state, const Workload& w) {
  engine::Decider decider(*w.built->program);
  for (auto _ : state) {
    for (const engine::Case& c : w.cases) {
      decider.decide(c, std::nullopt, true);
      benchmark::DoNotOptimize(decider.trace_log().entries.size());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.cases.size()));
}

void eval_baseline(benchmark::State& state, const Workload& w) {
  for (auto _ : state) {
    for (const baseline::Case& c : w.plain) {
      baseline::Result r = baseline::evaluate(c);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.plain.size()));
}

void compile_rules(benchmark::State& state, std::vector<std::string> paths) {
  for (auto _ : state) {
    auto b = build(paths);
    benchmark::DoNotOptimize(b->program);
  }
}

// N generated restrictions over the Acme (built-in) schema, each reading a count, a code
// set and a quantifier; evaluated on one Acme example case.
std::string generated_rules(int n) {
  std::string text = "policy g \"Generated\" version \"1\" default covered\n";
  for (int i = 0; i < n; ++i) {
    text += "rule g" + std::to_string(i) + " \"G\" when request.sessions > " + std::to_string(8 + i % 20) +
            " and any diagnoses d: d.code in icd10 { F3" + std::to_string(i % 10) + ".* } deny\n";
  }
  return text;
}

std::string case_with_treatments(int n) {
  std::string text =
      "id: t\ndate_of_service: 2026-03-02\npatient: {birth_date: 1980-01-01}\n"
      "request: {service: esketamine_nasal, sessions: 8, period_days: 28}\n"
      "diagnoses: [{code: F33.2, primary: true}]\ntreatments:\n";
  const char* classes[] = {"ssri", "snri", "tca", "maoi", "atypical"};
  for (int i = 0; i < n; ++i) {
    text += "  - {name: drug" + std::to_string(i) + ", class: " + classes[i % 5] +
            ", start: 2025-01-01, end: 2025-03-01, adequate_dose: true, outcome: failed}\n";
  }
  return text;
}

// A code set of N single codes, tested against the case's diagnoses.
std::string codeset_rules(int n) {
  std::string text = "policy c \"Codes\" version \"1\" default covered\ncodeset big = icd10 { ";
  for (int i = 0; i < n; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "%c%02d.%d", 'A' + (i / 1000) % 26, (i / 10) % 100, i % 10);
    text += (i ? ", " : "") + std::string(code);
  }
  return text + " }\nrule big_dx \"Big\" when any diagnoses d: d.code in big deny\n";
}

void eval_one(benchmark::State& state, Built& b, const engine::Case& c, bool trace) {
  engine::QuickDecider quick(*b.program);
  engine::QuickDetermination q;
  engine::EvaluationOptions options;
  options.sources = &b.sources;
  for (auto _ : state) {
    if (trace) {
      engine::Evaluation e = engine::evaluate(*b.program, c, options);
      benchmark::DoNotOptimize(e.determination);
    } else {
      quick.decide(c, std::nullopt, q);
      benchmark::DoNotOptimize(q.decision);
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const std::string src = COVCHECK_SOURCE_DIR;
  const char* env = std::getenv("COVCHECK_BENCH_CASES");
  std::string cases = env ? env : src + "/tests/data/workload/cases.jsonl";
  const char* limit_env = std::getenv("COVCHECK_BENCH_N");
  std::size_t limit = limit_env ? std::strtoull(limit_env, nullptr, 10) : 100000;
  Workload w = load_workload(src, cases, limit);
  std::size_t bytes = 0, blocks = 0;
  for (const engine::Case& c : w.cases) {
    bytes += sizeof c + c.slots.capacity() * sizeof(engine::Value) + c.slot_spans.capacity() * sizeof(dsl::SourceSpan) +
             c.records.capacity() * sizeof(engine::CaseRecord) + c.items.capacity() * sizeof(engine::Value) +
             c.item_spans.capacity() * sizeof(dsl::SourceSpan) + c.lists.capacity() * sizeof(engine::CaseList) +
             c.strings.capacity() * sizeof(std::string);
    blocks += 7;
    for (const std::string& str : c.strings)
      if (str.capacity() > 15) bytes += str.capacity() + 1, ++blocks;
  }
  std::fprintf(stderr, "workload: %zu cases from %s (%.0f bytes, %.1f heap blocks per case)\n", w.cases.size(),
               cases.c_str(), double(bytes) / double(w.cases.size()), double(blocks) / double(w.cases.size()));

  benchmark::RegisterBenchmark("workload/eval_quick", [&](benchmark::State& s) { eval_quick(s, w); });
  benchmark::RegisterBenchmark("workload/eval_full_no_trace", [&](benchmark::State& s) { eval_full(s, w, false); });
  benchmark::RegisterBenchmark("workload/eval_trace_recorded", [&](benchmark::State& s) { eval_trace_recorded(s, w); });
  benchmark::RegisterBenchmark("workload/eval_full_trace", [&](benchmark::State& s) { eval_full(s, w, true); });
  benchmark::RegisterBenchmark("workload/baseline_cpp", [&](benchmark::State& s) { eval_baseline(s, w); });
  benchmark::RegisterBenchmark("compile/workload", [&](benchmark::State& s) {
    compile_rules(s, {src + "/bench/workload"});
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("compile/acme", [&](benchmark::State& s) {
    compile_rules(s, {src + "/rules/acme", src + "/rules/mandates"});
  })->Unit(benchmark::kMillisecond);

  // FHIR: a 30-resource bundle (tests/data/fhir/esketamine_30.json) read into a case, and
  // read and decided (untraced, as `batch --compact`): the issue-17 target is 50 µs.
  static std::unique_ptr<Built> fhir_rules = build({src + "/rules/acme"});
  static std::string bundle = read_file(src + "/tests/data/fhir/esketamine_30.json");
  static dsl::SourceRegistry table_sources;
  static dsl::Diagnostics table_diags;
  static std::optional<engine::fhir::Terminology> terms =
      engine::fhir::build_terminology(engine::fhir::shipped_tables(), table_sources, table_diags);
  static dsl::FileId bundle_file = fhir_rules->sources.add("esketamine_30.json", bundle);
  auto read_fhir = [](benchmark::State& s, bool decide) {
    // As a session reads bundles: the reader's scratch, the schema index and the Case reused.
    engine::fhir::FhirScratch scratch;
    scratch.terms = &*terms;
    engine::SchemaIndex index(fhir_rules->program->schema());
    engine::QuickDecider decider(*fhir_rules->program);
    engine::QuickDetermination out;
    engine::Case c;
    dsl::Diagnostics diags;
    for (auto _ : s) {
      diags.clear();
      bool ok = engine::fhir::read_fhir_case(scratch, index, bundle, bundle_file, diags, c);
      if (!ok) s.SkipWithError("the bundle did not load");
      if (decide && ok) benchmark::DoNotOptimize(decider.decide(c, std::nullopt, out));
      benchmark::DoNotOptimize(c);
    }
  };
  benchmark::RegisterBenchmark("fhir/read_30_resources", [&](benchmark::State& s) {
    read_fhir(s, false);
  })->Unit(benchmark::kMicrosecond);
  // The same bundle with nothing kept between reads (fhir2case's one-shot load_fhir_case:
  // a new schema index, parser and case each time), as the pre-session reader ran.
  benchmark::RegisterBenchmark("fhir/read_30_resources_fresh", [&](benchmark::State& s) {
    for (auto _ : s) {
      dsl::Diagnostics diags;
      std::optional<engine::Case> c =
          engine::fhir::load_fhir_case(fhir_rules->program->schema(), fhir_rules->sources, bundle_file, *terms, diags);
      if (!c) s.SkipWithError("the bundle did not load");
      benchmark::DoNotOptimize(c);
    }
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("fhir/read_and_decide_30_resources", [&](benchmark::State& s) {
    read_fhir(s, true);
  })->Unit(benchmark::kMicrosecond);

  // Growth series: rules, treatments, code-set size. Built once per size, kept alive.
  std::vector<std::unique_ptr<Built>> keep;
  std::vector<std::unique_ptr<engine::Case>> keep_cases;
  std::string acme_case = read_file(src + "/rules/acme/cases/esk-covered.yaml");
  for (int n : {10, 100, 1000, 10000}) {
    keep.push_back(build_text("rules-" + std::to_string(n), generated_rules(n)));
    Built& b = *keep.back();
    keep_cases.push_back(std::make_unique<engine::Case>(load_yaml(b, acme_case)));
    const engine::Case& c = *keep_cases.back();
    benchmark::RegisterBenchmark(("growth/rules_quick/" + std::to_string(n)).c_str(),
                                 [&b, &c](benchmark::State& s) { eval_one(s, b, c, false); });
    benchmark::RegisterBenchmark(("growth/rules_trace/" + std::to_string(n)).c_str(),
                                 [&b, &c](benchmark::State& s) { eval_one(s, b, c, true); });
    benchmark::RegisterBenchmark(("growth/rules_compile/" + std::to_string(n)).c_str(), [n](benchmark::State& s) {
      for (auto _ : s)
        benchmark::DoNotOptimize(build_text("rules-c-" + std::to_string(n), generated_rules(n))->program);
    })->Unit(benchmark::kMillisecond);
  }
  keep.push_back(build({src + "/rules/acme", src + "/rules/mandates"}));
  Built& acme = *keep.back();
  for (int n : {1, 10, 100, 1000, 10000}) {
    keep_cases.push_back(std::make_unique<engine::Case>(load_yaml(acme, case_with_treatments(n))));
    const engine::Case& c = *keep_cases.back();
    benchmark::RegisterBenchmark(("growth/treatments_quick/" + std::to_string(n)).c_str(),
                                 [&acme, &c](benchmark::State& s) { eval_one(s, acme, c, false); });
    benchmark::RegisterBenchmark(("growth/treatments_trace/" + std::to_string(n)).c_str(),
                                 [&acme, &c](benchmark::State& s) { eval_one(s, acme, c, true); });
  }
  for (int n : {10, 100, 1000, 10000}) {
    keep.push_back(build_text("codes-" + std::to_string(n), codeset_rules(n)));
    Built& b = *keep.back();
    keep_cases.push_back(
        std::make_unique<engine::Case>(load_yaml(b, "diagnoses: [{code: Z99.9}, {code: F33.2}, {code: B55.5}]\n")));
    const engine::Case& c = *keep_cases.back();
    benchmark::RegisterBenchmark(("growth/codeset_quick/" + std::to_string(n)).c_str(),
                                 [&b, &c](benchmark::State& s) { eval_one(s, b, c, false); });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
