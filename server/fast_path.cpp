// The RecordProcessor pool and reading an answer line's case id and policy back.
#include "server/fast_path.hpp"

#include <fmt/format.h>

namespace covcheck::server {

ProcessorPool::ProcessorPool(std::shared_ptr<const engine::Program> program, const dsl::SourceRegistry& sources,
                             bool trace)
    : program_(std::move(program)), sources_(sources) {
  options_.format = engine::InputFormat::jsonl;
  options_.mode = trace ? engine::OutputMode::trace : engine::OutputMode::full;
  options_.input_name = "request";
}

std::optional<engine::Decision> ProcessorPool::decide(const std::string& padded, std::size_t size, std::string& out) {
  std::unique_ptr<engine::RecordProcessor> processor;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      processor = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!processor) processor = std::make_unique<engine::RecordProcessor>(*program_, sources_, options_);
  engine::RecordTally tally;
  std::size_t start = out.size();
  processor->process(std::string_view(padded.data(), size), padded.size(), 1, out, tally);
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(processor));
  }
  for (std::size_t d = 0; tally.errors == 0 && d < tally.by_decision.size(); ++d)
    if (tally.by_decision[d] != 0) return static_cast<engine::Decision>(d);
  out.resize(start);  // an error record: the caller answers with the diagnostics instead
  return std::nullopt;
}

namespace {

// The JSON string starting at `at` (its opening quote), unescaped for the simple escapes.
std::optional<std::string> string_at(const std::string& s, std::size_t at) {
  if (at >= s.size() || s[at] != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = at + 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return out;
    if (c == '\\' && i + 1 < s.size()) c = s[++i];
    out += c;
  }
  return std::nullopt;
}

std::optional<std::string> member_after(const std::string& s, std::size_t from, std::size_t to, std::string_view key) {
  std::size_t at = s.find(key, from);
  if (at == std::string::npos || at >= to) return std::nullopt;
  return string_at(s, at + key.size());
}

}  // namespace

AnswerSummary summarize_answer(const std::string& answer) {
  AnswerSummary out;
  constexpr std::string_view case_key = "{\"case\":";
  if (answer.compare(0, case_key.size(), case_key) == 0) out.case_id = string_at(answer, case_key.size());
  // The renderer writes each policy as {"name":…,"version":…,"digest":…,"kind":"policy"}.
  std::size_t list = answer.find("\"policies\":[");
  std::size_t kind = list == std::string::npos ? list : answer.find("\"kind\":\"policy\"}", list);
  if (kind != std::string::npos) {
    std::size_t open = answer.rfind("{\"name\":", kind);
    if (open != std::string::npos && open > list) {
      auto name = member_after(answer, open, kind, "\"name\":");
      auto version = member_after(answer, open, kind, "\"version\":");
      auto digest = member_after(answer, open, kind, "\"digest\":");
      if (name && version && digest) out.policy = fmt::format("{}@{} {}", *name, *version, *digest);
    }
  }
  return out;
}

}  // namespace covcheck::server
