// The compact answer line of `batch --compact`, written by hand for speed (millions of lines).
#include "engine/answer/json_writer.hpp"
#include "engine/answer/render.hpp"

namespace covcheck::engine {

CompactWriter::CompactWriter(const Program& program) {
  for (const CompiledRule& r : program.rules) {
    std::string id;
    JsonWriter::escape(id, r.checked->display_id);
    quoted_ids_.push_back(std::move(id));
  }
  const dsl::CheckedRuleSet& rs = *program.checked;
  if (rs.benefit_enum) {
    for (const std::string& m : rs.schema.enums[*rs.benefit_enum].members) {
      std::string b;
      JsonWriter::escape(b, m);
      quoted_benefits_.push_back(std::move(b));
    }
  }
}

void CompactWriter::write(const QuickDetermination& q, const std::optional<std::string>& case_id,
                          std::string& out) const {
  out += "{\"case\":";
  if (case_id) JsonWriter::escape(out, *case_id);
  else out += "null";
  out += ",\"decision\":\"";
  out += decision_name(q.decision);
  out += "\",\"basis\":";
  out += !q.dated ? "null" : q.basis_rules ? "\"rules\"" : "\"default\"";
  out += ",\"prior_auth\":";
  out += !q.prior_auth ? "null" : *q.prior_auth ? "true" : "false";
  out += ",\"benefit\":";
  if (q.benefit != no_member && q.benefit < quoted_benefits_.size()) out += quoted_benefits_[q.benefit];
  else out += "null";
  out += ",\"reasons\":[";
  for (std::size_t i = 0; i < q.reasons.size(); ++i) {
    if (i) out += ',';
    out += quoted_ids_[q.reasons[i]];
  }
  out += "]}\n";
}

}  // namespace covcheck::engine
