// The hand-written C++ baseline: engines/plain.js of the peer harness transliterated line
// by line (same derived facts, same 19 if statements, same precedence), over a plain struct
// parsed with simdjson. It is the practical speed limit covcheck is compared against.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baseline {

struct Trial {
  std::string cls, outcome;
  std::int64_t weeks = 0;
};

struct Case {
  std::string id, drug, cpt, specialty, setting;
  std::int64_t age = 0, sessions = 0, systolic = 0, diastolic = 0, phq9 = 0;
  bool pregnant = false, psychosis = false, appeal = false, oral_ad = false, certified = false;
  bool mh_benefit = false, pain_benefit = false;
  bool has_bp = false, has_phq9 = false, has_trials = false;
  std::vector<std::string> diagnoses, documents;
  std::vector<Trial> trials;
};

struct Result {
  int outcome = 0;          // 0 covered, 1 covered-with-prior-auth, 2 pend-missing-info, 3 denied, 4 excluded
  int category = 0;         // 0 none, 1 mental_health, 2 pain_management
  std::uint32_t fired = 0;  // bit i-1: rule Ri fired
};

inline bool has_prefix(const std::vector<std::string>& list, std::initializer_list<std::string_view> prefixes) {
  for (const auto& s : list)
    for (auto p : prefixes)
      if (std::string_view(s).substr(0, p.size()) == p) return true;
  return false;
}

inline int failed_classes(const std::vector<Trial>& trials, std::int64_t min_weeks) {
  std::string_view seen[8];
  int n = 0;
  for (const Trial& t : trials) {
    if (t.outcome != "failed" || t.weeks < min_weeks) continue;
    if (std::find(seen, seen + n, std::string_view(t.cls)) == seen + n && n < 8) seen[n++] = t.cls;
  }
  return n;
}

inline Result evaluate(const Case& c) {
  const bool dx_dep = has_prefix(c.diagnoses, {"F32", "F33"});
  const bool dx_pain = has_prefix(c.diagnoses, {"G90.5", "G89"});
  const bool ivk = c.drug == "ketamine" && c.cpt == "96365";
  const bool esk = c.drug == "esketamine";
  int category = 0;
  if (ivk && dx_pain) category = 2;
  else if ((ivk && dx_dep) || (esk && dx_dep)) category = 1;
  const bool mh = category == 1, pain = category == 2;
  std::uint32_t f = 0;
  auto fire = [&](int rule) { f |= 1u << (rule - 1); };
  if (c.psychosis) fire(1);
  if (c.pregnant) fire(2);
  if (c.has_bp && (c.systolic >= 160 || c.diastolic >= 100)) fire(3);
  if (c.age < 18) fire(4);
  if (category == 0) fire(5);
  if (c.drug == "ketamine" && mh && !c.mh_benefit) fire(6);
  if (pain && !c.pain_benefit) fire(7);
  if (pain) fire(8);
  if (esk && c.has_trials && failed_classes(c.trials, 6) < 2) fire(9);
  if (esk && !c.oral_ad) fire(10);
  if (esk && c.specialty != "psychiatry") fire(11);
  if (esk) fire(12);
  if (!c.certified || c.setting == "home") fire(13);
  if (c.sessions > 8) fire(14);
  if (c.appeal && std::find(c.documents.begin(), c.documents.end(), "lmn") == c.documents.end()) fire(15);
  if (!c.has_bp) fire(16);
  if (mh && !c.has_phq9) fire(17);
  if (esk && !c.has_trials) fire(18);
  if (mh && c.has_phq9 && c.phq9 < 10) fire(19);
  // combine() of engines/common.js: the most severe effect among the fired rules.
  constexpr auto bits = [](std::initializer_list<int> rules) {
    std::uint32_t m = 0;
    for (int i : rules) m |= 1u << (i - 1);
    return m;
  };
  constexpr std::uint32_t excluded = bits({1, 2, 3}), denied = bits({4, 5, 6, 7, 9, 10, 11, 13, 14, 19});
  constexpr std::uint32_t pend = bits({15, 16, 17, 18}), prior_auth = bits({8, 12});
  int r = f & excluded ? 4 : f & denied ? 3 : f & pend ? 2 : f & prior_auth ? 1 : 0;
  return {r, category, f};
}

inline const char* outcome_name(int r) {
  static const char* names[] = {"covered", "covered-with-prior-auth", "pend-missing-info", "denied", "excluded"};
  return names[r];
}
inline const char* category_name(int c) {
  static const char* names[] = {"none", "mental_health", "pain_management"};
  return names[c];
}

// The reference's output line for one case.
inline void write_result(std::string& out, const Case& c, const Result& r) {
  out += "{\"id\":\"";
  out += c.id;
  out += "\",\"outcome\":\"";
  out += outcome_name(r.outcome);
  out += "\",\"category\":\"";
  out += category_name(r.category);
  out += "\",\"reasons\":[";
  bool first = true;
  for (int i = 1; i <= 19; ++i) {
    if (!(r.fired & (1u << (i - 1)))) continue;
    out += first ? "\"R" : ",\"R";
    out += static_cast<char>('0' + i / 10);
    out += static_cast<char>('0' + i % 10);
    out += '"';
    first = false;
  }
  out += "]}\n";
}

// Parses one workload case (a JSON object) with simdjson On-Demand.
inline bool parse(simdjson::ondemand::parser& parser, simdjson::padded_string_view json, Case& c) {
  using namespace simdjson;
  ondemand::document doc;
  if (parser.iterate(json).get(doc)) return false;
  ondemand::object o;
  if (doc.get_object().get(o)) return false;
  c.diagnoses.clear();
  c.documents.clear();
  c.trials.clear();
  c.has_bp = c.has_phq9 = c.has_trials = false;
  for (auto field : o) {
    std::string_view k;
    if (field.unescaped_key().get(k)) return false;
    ondemand::value v = field.value();
    std::string_view s;
    auto str = [&](std::string& dst) {
      if (!v.get_string().get(s)) dst.assign(s);
    };
    if (k == "id") str(c.id);
    else if (k == "age") c.age = v.get_int64().value_unsafe();
    else if (k == "pregnant") c.pregnant = v.get_bool().value_unsafe();
    else if (k == "drug") str(c.drug);
    else if (k == "cpt") str(c.cpt);
    else if (k == "diagnoses") {
      for (auto d : v.get_array()) c.diagnoses.emplace_back(std::string_view(d.get_string().value_unsafe()));
    } else if (k == "plan") {
      for (auto pf : v.get_object()) {
        std::string_view pk = pf.unescaped_key().value_unsafe();
        if (pk == "ketamine_mh_benefit") c.mh_benefit = pf.value().get_bool().value_unsafe();
        else if (pk == "pain_benefit") c.pain_benefit = pf.value().get_bool().value_unsafe();
      }
    } else if (k == "prescriber") {
      for (auto pf : v.get_object()) {
        std::string_view pk = pf.unescaped_key().value_unsafe();
        if (pk == "specialty") c.specialty.assign(std::string_view(pf.value().get_string().value_unsafe()));
      }
    } else if (k == "site") {
      for (auto pf : v.get_object()) {
        std::string_view pk = pf.unescaped_key().value_unsafe();
        if (pk == "setting") c.setting.assign(std::string_view(pf.value().get_string().value_unsafe()));
        else if (pk == "certified") c.certified = pf.value().get_bool().value_unsafe();
      }
    } else if (k == "sessions_first_28d") c.sessions = v.get_int64().value_unsafe();
    else if (k == "concurrent_oral_ad") c.oral_ad = v.get_bool().value_unsafe();
    else if (k == "psychosis_active") c.psychosis = v.get_bool().value_unsafe();
    else if (k == "is_appeal") c.appeal = v.get_bool().value_unsafe();
    else if (k == "documents") {
      for (auto d : v.get_array()) c.documents.emplace_back(std::string_view(d.get_string().value_unsafe()));
    } else if (k == "bp") {
      c.has_bp = true;
      for (auto pf : v.get_object()) {
        std::string_view pk = pf.unescaped_key().value_unsafe();
        if (pk == "systolic") c.systolic = pf.value().get_int64().value_unsafe();
        else if (pk == "diastolic") c.diastolic = pf.value().get_int64().value_unsafe();
      }
    } else if (k == "phq9") {
      c.has_phq9 = true;
      c.phq9 = v.get_int64().value_unsafe();
    } else if (k == "trials") {
      c.has_trials = true;
      for (auto t : v.get_array()) {
        Trial tr;
        for (auto tf : t.get_object()) {
          std::string_view tk = tf.unescaped_key().value_unsafe();
          if (tk == "class") tr.cls.assign(std::string_view(tf.value().get_string().value_unsafe()));
          else if (tk == "outcome") tr.outcome.assign(std::string_view(tf.value().get_string().value_unsafe()));
          else if (tk == "weeks") tr.weeks = tf.value().get_int64().value_unsafe();
        }
        c.trials.push_back(std::move(tr));
      }
    }
  }
  return true;
}

}  // namespace baseline
