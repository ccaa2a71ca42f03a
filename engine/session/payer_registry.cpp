// The payer registry: reading payers.yaml (every mistake at file:line:col), compiling each
// distinct rule set once, and matching a case's payer to an entry.
#include "engine/session/payer_registry.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/compile/pipeline.hpp"

namespace covcheck::engine {

namespace {

std::string folded(std::string_view s) {
  std::string out;
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  for (std::size_t i = b; i < e; ++i) {
    char c = s[i];
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// Whether `name`, folded as folded() folds it, is `word` (folded already): without spelling
// the folded name, since every case of a registry session compares its payer to every name.
bool folds_to(std::string_view name, std::string_view word) {
  std::size_t b = 0, e = name.size();
  while (b < e && (name[b] == ' ' || name[b] == '\t')) ++b;
  while (e > b && (name[e - 1] == ' ' || name[e - 1] == '\t')) --e;
  if (e - b != word.size()) return false;
  for (std::size_t i = b; i < e; ++i) {
    char c = name[i];
    if (((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c) != word[i - b]) return false;
  }
  return true;
}

struct Reader {
  dsl::FileId file;
  dsl::Diagnostics& diags;
  std::string folder;
  const dsl::SourceOverlay* tree = nullptr;  // the files, when they are a bundle in memory

  dsl::SourceSpan span(const YAML::Node& n) const {
    auto begin = static_cast<std::uint32_t>(std::max(0, n.Mark().pos));
    std::uint32_t length = n.IsScalar() ? static_cast<std::uint32_t>(std::max<std::size_t>(1, n.Scalar().size())) : 1;
    return dsl::SourceSpan{file, begin, begin + length};
  }

  std::optional<std::string> scalar(const YAML::Node& n, std::string_view what) {
    if (n.IsScalar() && !n.Scalar().empty()) return n.Scalar();
    diags.error("registry.expected_text", span(n), fmt::format("`{}` must be a non-empty text", what));
    return std::nullopt;
  }

  std::vector<std::string> texts(const YAML::Node& n, std::string_view what) {
    std::vector<std::string> out;
    if (n.IsScalar()) {  // one value may stand for a list of one
      if (auto s = scalar(n, what)) out.push_back(*s);
      return out;
    }
    if (!n.IsSequence()) {
      diags.error("registry.expected_list", span(n), fmt::format("`{}` must be a list of texts", what));
      return out;
    }
    for (const YAML::Node& item : n)
      if (auto s = scalar(item, what)) out.push_back(*s);
    return out;
  }

  void unknown_key(const YAML::Node& key, const std::vector<std::string>& allowed, std::string_view where) {
    dsl::Diagnostic& d =
        diags.error("registry.unknown_key", span(key), fmt::format("unknown key `{}` in {}", key.Scalar(), where));
    if (auto near = dsl::closest_match(key.Scalar(), allowed)) d.help = fmt::format("did you mean `{}`?", *near);
    else d.help = fmt::format("the keys are {}", fmt::join(allowed, ", "));
  }

  std::optional<PayerPlan> plan(const YAML::Node& n) {
    if (!n.IsMap()) {
      diags.error("registry.expected_map", span(n), "a plan must be a map with `id` and `riders`");
      return std::nullopt;
    }
    PayerPlan p;
    bool has_id = false;
    static const std::vector<std::string> keys{"id", "riders"};
    for (const auto& kv : n) {
      const std::string& k = kv.first.Scalar();
      if (k == "id") {
        if (auto s = scalar(kv.second, "id")) p.id = *s, has_id = true;
      } else if (k == "riders") {
        p.riders = texts(kv.second, "riders");
      } else {
        unknown_key(kv.first, keys, "a plan");
      }
    }
    if (!has_id) {
      diags.error("registry.missing_key", span(n), "a plan needs an `id`");
      return std::nullopt;
    }
    return p;
  }

  std::optional<PayerEntry> entry(const YAML::Node& n) {
    if (!n.IsMap()) {
      diags.error("registry.expected_map", span(n), "a payer must be a map (`id`, `name`, `rules`, …)");
      return std::nullopt;
    }
    static const std::vector<std::string> keys{"id",        "name",  "aliases", "identifiers",
                                               "plan_type", "state", "plans",   "rules"};
    PayerEntry e;
    e.span = span(n);
    bool ok = true;
    std::optional<YAML::Node> rules_node;
    for (const auto& kv : n) {
      const std::string& k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (k == "id") {
        if (auto s = scalar(v, "id")) e.id = *s;
        else ok = false;
      } else if (k == "name") {
        if (auto s = scalar(v, "name")) e.name = *s;
        else ok = false;
      } else if (k == "aliases") {
        e.aliases = texts(v, "aliases");
      } else if (k == "identifiers") {
        e.identifiers = texts(v, "identifiers");
      } else if (k == "plan_type") {
        e.plan_type = scalar(v, "plan_type");
      } else if (k == "state") {
        e.state = scalar(v, "state");
      } else if (k == "plans") {
        if (!v.IsSequence()) {
          diags.error("registry.expected_list", span(v), "`plans` must be a list of `{id, riders}`");
          ok = false;
        } else {
          for (const YAML::Node& p : v)
            if (auto plan_entry = plan(p)) e.plans.push_back(std::move(*plan_entry));
            else ok = false;
        }
      } else if (k == "rules") {
        rules_node = v;
        for (std::size_t i = 0; v.IsSequence() && i < v.size(); ++i) {
          if (!v[i].IsScalar()) continue;
          std::filesystem::path full = std::filesystem::path(folder) / v[i].Scalar();
          std::error_code ec;
          if (tree ? !dsl::in_rule_tree(*tree, full) : !std::filesystem::exists(full, ec)) {
            diags
                .error("registry.rules_not_found", span(v[i]),
                       fmt::format("rule path `{}` does not exist", v[i].Scalar()))
                .notes.push_back(dsl::DiagnosticNote{
                    dsl::SourceSpan{}, fmt::format("paths are relative to `{}`", folder.empty() ? "." : folder)});
            ok = false;
          }
          e.rules.push_back(full.lexically_normal().string());
        }
        if (!v.IsSequence()) texts(v, "rules"), ok = false;
      } else {
        unknown_key(kv.first, keys, "a payer");
        ok = false;
      }
    }
    for (const char* required : {"id", "name", "rules"}) {
      bool missing = (std::string_view(required) == "id" && e.id.empty()) ||
                     (std::string_view(required) == "name" && e.name.empty()) ||
                     (std::string_view(required) == "rules" && !rules_node);
      if (missing) {
        diags.error("registry.missing_key", e.span, fmt::format("a payer needs `{}`", required));
        ok = false;
      }
    }
    if (rules_node && rules_node->IsSequence() && rules_node->size() == 0) {
      diags.error("registry.empty_rules", span(*rules_node), "`rules` must name at least one rule file or folder");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return e;
  }
};

// Duplicate ids, and a name, alias or identifier that would choose two entries with the same
// plan type and state: the registry could not decide between them.
void check_duplicates(const std::vector<PayerEntry>& entries, const std::vector<dsl::SourceSpan>& spans,
                      dsl::Diagnostics& diags) {
  std::map<std::string, std::size_t> ids;
  std::map<std::string, std::size_t> words;  // folded word + plan type + state -> entry
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const PayerEntry& e = entries[i];
    if (auto [it, fresh] = ids.emplace(e.id, i); !fresh)
      diags.error("registry.duplicate_id", spans[i], fmt::format("payer id `{}` is used twice", e.id))
          .notes.push_back(dsl::DiagnosticNote{entries[it->second].span, "first used here"});
    std::set<std::string> own;
    auto claim = [&](const std::string& word, std::string_view what) {
      std::string key = fmt::format("{}|{}|{}", folded(word), e.plan_type.value_or(""), e.state.value_or(""));
      if (!own.insert(key).second) return;
      if (auto [it, fresh] = words.emplace(key, i); !fresh)
        diags
            .error("registry.duplicate_alias", e.span,
                   fmt::format("{} `{}` of payer `{}` already names payer `{}` for the same plan type and state", what,
                               word, e.id, entries[it->second].id))
            .notes.push_back(dsl::DiagnosticNote{entries[it->second].span, "first used here"});
    };
    claim(e.name, "name");
    for (const std::string& a : e.aliases) claim(a, "alias");
    for (const std::string& a : e.identifiers) claim(a, "identifier");
  }
}

bool same_schema(const dsl::Schema& a, const dsl::Schema& b) {
  if (a.records.size() != b.records.size() || a.enums.size() != b.enums.size()) return false;
  for (std::size_t r = 0; r < a.records.size(); ++r)
    if (a.records[r].name != b.records[r].name || a.records[r].field_names() != b.records[r].field_names())
      return false;
  for (std::size_t i = 0; i < a.enums.size(); ++i)
    if (a.enums[i].name != b.enums[i].name || a.enums[i].members != b.enums[i].members) return false;
  return true;
}

void check_member(const dsl::Schema& schema, const char* enum_name, const std::optional<std::string>& value,
                  const PayerEntry& e, const char* key, dsl::Diagnostics& diags) {
  if (!value) return;
  auto en = schema.find_enum(enum_name);
  if (!en) return;
  const dsl::EnumType& type = schema.enums[*en];
  if (type.find(*value)) return;
  dsl::Diagnostic& d =
      diags.error("registry.unknown_member", e.span,
                  fmt::format("`{}: {}` of payer `{}` is not a member of `{}`", key, *value, e.id, enum_name));
  if (auto near = dsl::closest_match(*value, type.members)) d.help = fmt::format("did you mean `{}`?", *near);
}

}  // namespace

std::string PayerRegistry::known_payers() const {
  std::vector<std::string> names;
  for (const PayerEntry& e : entries) names.push_back(fmt::format("`{}` ({})", e.id, e.name));
  return fmt::format("{}", fmt::join(names, ", "));
}

const PayerEntry* PayerRegistry::find_id(std::string_view id) const {
  for (const PayerEntry& e : entries)
    if (e.id == id) return &e;
  return nullptr;
}

PayerMatch match_payer(const PayerRegistry& registry, const PayerKey& key) {
  PayerMatch m;
  if (!key.payer || folded(*key.payer).empty()) {
    m.error = "the case names no payer (`plan.payer`), and a payer registry is loaded";
    m.help = fmt::format("set `plan.payer` to one of the known payers: {}", registry.known_payers());
    return m;
  }
  std::string word = folded(*key.payer);
  auto named = [&](const std::vector<std::string>& names) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return folds_to(n, word); });
  };
  auto pick = [&](auto&& matches) {
    std::vector<const PayerEntry*> out;
    for (const PayerEntry& e : registry.entries)
      if (matches(e)) out.push_back(&e);
    return out;
  };
  // Identifiers first: a clearinghouse id may equal another payer's alias.
  std::vector<const PayerEntry*> candidates = pick([&](const PayerEntry& e) { return named(e.identifiers); });
  if (candidates.empty())
    candidates = pick([&](const PayerEntry& e) { return named(e.aliases) || folds_to(e.name, word); });
  if (candidates.empty()) {
    m.error = fmt::format("unknown payer `{}`", *key.payer);
    m.help = fmt::format("the known payers are {}", registry.known_payers());
    return m;
  }
  // Among one payer's rule sets, the most specific whose plan type and state the case has.
  int best = -1;
  for (const PayerEntry* e : candidates) {
    int score = 0;
    if (e->plan_type) {
      if (!key.plan_type || *key.plan_type != *e->plan_type) continue;
      ++score;
    }
    if (e->state) {
      if (!key.state || *key.state != *e->state) continue;
      ++score;
    }
    if (score > best) best = score, m.entry = e;
  }
  if (!m.entry) {
    m.error = fmt::format("payer `{}` has no rule set for plan type `{}` in state `{}`", *key.payer,
                          key.plan_type.value_or("unknown"), key.state.value_or("unknown"));
    std::vector<std::string> sets;
    for (const PayerEntry* e : candidates)
      sets.push_back(fmt::format("`{}` ({}{})", e->id,
                                 e->plan_type ? "plan type " + *e->plan_type : std::string("any plan type"),
                                 e->state ? ", state " + *e->state : std::string()));
    m.help = fmt::format("its rule sets are {}", fmt::join(sets, ", "));
  }
  return m;
}

namespace {

std::optional<std::string> registry_text(const std::string& path, const dsl::SourceOverlay* tree) {
  if (tree) {
    auto it = tree->find(dsl::rule_tree_key(path));
    return it == tree->end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

}  // namespace

std::optional<PayerRegistry> read_payer_registry(const std::string& path, dsl::SourceRegistry& sources,
                                                 dsl::Diagnostics& diagnostics, const dsl::SourceOverlay* tree) {
  std::optional<std::string> read = registry_text(path, tree);
  if (!read) {
    diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("cannot read payer registry `{}`", path));
    return std::nullopt;
  }
  std::string text = std::move(*read);
  dsl::FileId file = sources.add(path, text);
  Reader r{file, diagnostics, std::filesystem::path(path).parent_path().string(), tree};
  std::size_t errors_before = diagnostics.error_count();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    auto pos = static_cast<std::uint32_t>(std::max(0, e.mark.pos));
    diagnostics.error("registry.syntax", dsl::SourceSpan{file, pos, pos + 1},
                      fmt::format("payers.yaml is not valid YAML: {}", e.msg));
    return std::nullopt;
  }
  PayerRegistry registry;
  registry.path = path;
  if (!root.IsMap() || !root["payers"]) {
    diagnostics.error("registry.missing_key", dsl::SourceSpan{file, 0, 1},
                      "the payer registry must be a map with a `payers` list");
    return std::nullopt;
  }
  std::vector<dsl::SourceSpan> spans;
  for (const auto& kv : root) {
    if (kv.first.Scalar() != "payers") {
      r.unknown_key(kv.first, {"payers"}, "the payer registry");
      continue;
    }
    if (!kv.second.IsSequence()) {
      diagnostics.error("registry.expected_list", r.span(kv.second), "`payers` must be a list of payers");
      continue;
    }
    for (const YAML::Node& n : kv.second)
      if (auto e = r.entry(n)) {
        spans.push_back(e->span);
        registry.entries.push_back(std::move(*e));
      }
  }
  check_duplicates(registry.entries, spans, diagnostics);
  if (registry.entries.empty() && diagnostics.error_count() == errors_before)
    diagnostics.error("registry.empty", dsl::SourceSpan{file, 0, 1}, "the payer registry lists no payer");
  if (diagnostics.error_count() != errors_before) return std::nullopt;
  return registry;
}

RegistryBuild build_payer_registry(const std::string& path, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics,
                                   const dsl::SourceOverlay* tree) {
  RegistryBuild out;
  std::optional<PayerRegistry> registry = read_payer_registry(path, sources, diagnostics, tree);
  if (!registry) {
    out.status = RegistryStatus::unreadable;
    return out;
  }
  std::map<std::vector<std::string>, std::size_t> compiled;
  for (PayerEntry& e : registry->entries) {
    auto [it, fresh] = compiled.emplace(e.rules, registry->programs.size());
    e.rule_set = it->second;
    if (!fresh) continue;
    RuleSetBuild built = tree ? build_rule_set(e.rules, sources, diagnostics, tree, dsl::RuleTree::overlay_only)
                              : build_rule_set(e.rules, sources, diagnostics);
    if (built.status != RuleSetStatus::ok) {
      out.status =
          built.status == RuleSetStatus::unreadable ? RegistryStatus::unreadable : RegistryStatus::does_not_compile;
      return out;
    }
    registry->programs.push_back(built.program);
  }
  // One case is read once, by one schema, whichever rule set then decides it.
  const dsl::Schema& schema = registry->programs.front()->schema();
  std::size_t errors_before = diagnostics.error_count();
  for (const PayerEntry& e : registry->entries) {
    if (!same_schema(schema, registry->programs[e.rule_set]->schema()))
      diagnostics.error(
          "registry.schema_mismatch", e.span,
          fmt::format("the rule set of payer `{}` declares another case schema than the first payer's", e.id));
    check_member(schema, "plan_type", e.plan_type, e, "plan_type", diagnostics);
    check_member(schema, "us_state", e.state, e, "state", diagnostics);
  }
  if (diagnostics.error_count() != errors_before) {
    out.status = RegistryStatus::does_not_compile;
    return out;
  }
  out.registry = std::make_shared<const PayerRegistry>(std::move(*registry));
  return out;
}

std::optional<std::string> registry_file_in(const std::vector<std::string>& rules) {
  if (rules.size() != 1) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_directory(rules.front(), ec)) return std::nullopt;
  std::filesystem::path file = std::filesystem::path(rules.front()) / "payers.yaml";
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  return file.string();
}

}  // namespace covcheck::engine
