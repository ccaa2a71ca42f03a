// Google Benchmark micro-benchmarks of the language server (never run by ctest): what an
// edit costs once the debounce ends (analyse + diagnostics, as published), and completion,
// on the largest shipped rule file. Budgets (issue 19): diagnostics 50 ms, completion 20 ms.
//   covcheck_bench_lsp [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lsp/features.hpp"
#include "lsp/server.hpp"
#include "lsp/uri.hpp"

namespace fs = std::filesystem;
using namespace covcheck;

namespace {

// The largest policy or library file under rules/ (the schema is not edited as a policy).
fs::path largest_rule_file() {
  fs::path best;
  std::uintmax_t best_size = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(COVCHECK_SOURCE_DIR) / "rules")) {
    if (e.path().extension() != ".cpl" || e.path().parent_path().filename() == "schema") continue;
    if (e.file_size() > best_size) best = e.path(), best_size = e.file_size();
  }
  return best;
}

struct Open {
  lsp::DocumentStore store;
  lsp::Document* doc = nullptr;
};

Open open_largest(const std::string& suffix = "") {
  Open o;
  fs::path p = largest_rule_file();
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  o.doc = &o.store.open(lsp::path_to_uri(fs::absolute(p).string()), s.str() + suffix, 1);
  return o;
}

void BM_lsp_diagnostics(benchmark::State& state) {
  Open o = open_largest();
  for (auto _ : state) {
    auto a = lsp::analyse(*o.doc, o.store);
    benchmark::DoNotOptimize(lsp::diagnostics_json(*a, *o.doc).dump());
  }
  state.SetLabel(largest_rule_file().filename().string());
}
BENCHMARK(BM_lsp_diagnostics)->Unit(benchmark::kMillisecond);

// Completion while typing: the text does not parse, the last checked analysis serves.
void BM_lsp_completion_field(benchmark::State& state) {
  Open clean = open_largest();
  auto checked = lsp::analyse(*clean.doc, clean.store);
  Open o = open_largest("\nrule s99 \"t\" cite \"§9\"\n  when any treatments t: t.");
  auto offset = static_cast<std::uint32_t>(o.doc->text.size());
  for (auto _ : state) benchmark::DoNotOptimize(lsp::completion(*o.doc, offset, nullptr, checked.get()).dump());
}
BENCHMARK(BM_lsp_completion_field)->Unit(benchmark::kMicrosecond);

void BM_lsp_completion_names(benchmark::State& state) {
  Open o = open_largest("\n");
  auto checked = lsp::analyse(*o.doc, o.store);
  auto offset = static_cast<std::uint32_t>(o.doc->text.size());
  for (auto _ : state) benchmark::DoNotOptimize(lsp::completion(*o.doc, offset, checked.get(), nullptr).dump());
}
BENCHMARK(BM_lsp_completion_names)->Unit(benchmark::kMicrosecond);

void BM_lsp_hover(benchmark::State& state) {
  Open o = open_largest();
  auto a = lsp::analyse(*o.doc, o.store);
  auto offset = static_cast<std::uint32_t>(o.doc->text.rfind("request."));
  for (auto _ : state) benchmark::DoNotOptimize(lsp::hover(*a, offset + 9).dump());
}
BENCHMARK(BM_lsp_hover)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
