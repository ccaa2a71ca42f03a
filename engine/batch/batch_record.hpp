// One `batch` worker's per-record work: the record through the worker's DecisionSession
// (session.hpp), and one JSON line appended: the `check --format json` object, the compact
// line, or an error record. All scratch state is reused from record to record.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dsl/source/source.hpp"
#include "engine/batch/batch.hpp"
#include "engine/compile/program.hpp"
#include "engine/session/rule_source.hpp"

namespace covcheck::engine {

struct RecordTally {
  std::uint64_t records = 0;
  std::uint64_t errors = 0;
  std::array<std::uint64_t, 4> by_decision{};
};

class RecordProcessor {
 public:
  // `rules`: one rule set, or a payer registry (each record's payer chooses its rule set).
  RecordProcessor(const RuleSource& rules, const dsl::SourceRegistry& rule_sources, const BatchOptions& options);
  ~RecordProcessor();
  RecordProcessor(const RecordProcessor&) = delete;
  RecordProcessor& operator=(const RecordProcessor&) = delete;

  // `line`: the record's first line in the whole input.
  void process(std::string_view text, std::uint64_t line, std::string& out, RecordTally& tally);
  // A record over the size limit: only an error record.
  void oversized(std::uint64_t line, std::string& out, RecordTally& tally);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace covcheck::engine
