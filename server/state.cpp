// Building a State: compile the rules, then precompute what the read-only endpoints return
// (policy listing, schema description), so those requests never walk the program.
#include "server/state.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/compile/pipeline.hpp"

namespace covcheck::server {

std::string url_safe(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out += ok ? c : '-';
  }
  return out.empty() ? "-" : out;
}

namespace {

// The unit's file, then everything it imports (transitively), each once.
std::vector<std::size_t> unit_files(const dsl::RuleFiles& files, std::size_t root) {
  std::vector<std::size_t> order{root};
  std::set<std::size_t> seen{root};
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] >= files.imports.size()) continue;
    for (std::size_t imported : files.imports[order[i]])
      if (seen.insert(imported).second) order.push_back(imported);
  }
  return order;
}

std::vector<PolicyEntry> list_policies(const engine::Program& program, const dsl::SourceRegistry& sources) {
  const dsl::CheckedRuleSet& checked = *program.checked;
  std::vector<PolicyEntry> out;
  for (const dsl::Unit& unit : checked.units) {
    PolicyEntry e;
    e.kind = unit.kind == dsl::ast::FileKind::policy ? "policy" : "module";
    e.name = unit.id;
    e.id = url_safe(unit.id);
    e.version = unit.version;
    e.version_id = unit.version.empty() ? "-" : url_safe(unit.version);
    e.title = unit.title;
    if (unit.effective) {
      if (unit.effective->from) e.effective_from = dsl::format_iso_date(*unit.effective->from);
      if (unit.effective->to) e.effective_to = dsl::format_iso_date(*unit.effective->to);
    }
    e.digest = unit.digest;
    e.rule_count = unit.rules.size();
    for (std::size_t index : unit_files(checked.files, unit.file)) {
      dsl::FileId id = checked.files.files[index].file;
      PolicyFile f;
      f.path = sources.file(id).name();
      f.file = id;
      f.url = fmt::format("/v1/policies/{}/{}/files/{}", e.id, e.version_id, f.path);
      e.files.push_back(std::move(f));
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string render_policies(const State& state) {
  engine::JsonWriter w(false);
  w.begin_object().member("generation", static_cast<std::int64_t>(state.generation));
  w.member("loaded_at", state.loaded_at).key("policies").begin_array();
  for (const PolicyEntry& e : state.policies) {
    w.begin_object().member("kind", e.kind).member("name", e.name).member("id", e.id);
    w.key("version");
    e.version.empty() ? w.null() : w.value(e.version);
    w.member("version_id", e.version_id).member("title", e.title);
    w.key("effective").begin_object().member("from", e.effective_from).member("to", e.effective_to).end_object();
    w.member("digest", e.digest).member("rules", static_cast<std::int64_t>(e.rule_count));
    w.key("files").begin_array();
    for (const PolicyFile& f : e.files) w.begin_object().member("path", f.path).member("url", f.url).end_object();
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

void write_type(engine::JsonWriter& w, const dsl::Schema& schema, const dsl::Type& type) {
  const char* base = "unknown";
  switch (type.base) {
    case dsl::BaseType::boolean: base = "bool"; break;
    case dsl::BaseType::integer: base = "int"; break;
    case dsl::BaseType::decimal: base = "decimal"; break;
    case dsl::BaseType::string: base = "string"; break;
    case dsl::BaseType::date: base = "date"; break;
    case dsl::BaseType::duration: base = "duration"; break;
    case dsl::BaseType::period: base = "period"; break;
    case dsl::BaseType::icd10: base = "icd10"; break;
    case dsl::BaseType::cpt: base = "cpt"; break;
    case dsl::BaseType::hcpcs: base = "hcpcs"; break;
    case dsl::BaseType::enumeration: base = "enum"; break;
    case dsl::BaseType::record: base = "record"; break;
    default: break;
  }
  w.member("type", base).member("list", type.list).member("type_name", schema.type_name(type));
  if (type.base == dsl::BaseType::enumeration && type.ref < schema.enums.size())
    w.member("enum", schema.enums[type.ref].name);
  if (type.base == dsl::BaseType::record && type.ref < schema.records.size())
    w.member("record", schema.records[type.ref].name);
}

// Enumerations and records of the program's schema: the web form is generated from this.
std::string render_schema(const dsl::Schema& schema) {
  engine::JsonWriter w(false);
  w.begin_object().member("name", schema.name).member("version", schema.version);
  w.member("root", schema.root_record().name).key("enums").begin_array();
  for (const dsl::EnumType& e : schema.enums) {
    w.begin_object().member("name", e.name).key("members").begin_array();
    for (const std::string& m : e.members) w.value(m);
    // The members' documentation (the form's option labels), parallel to `members`.
    w.end_array().key("docs").begin_array();
    for (std::size_t i = 0; i < e.members.size(); ++i) w.value(i < e.member_docs.size() ? e.member_docs[i] : "");
    w.end_array().end_object();
  }
  w.end_array().key("records").begin_array();
  for (const dsl::RecordType& r : schema.records) {
    w.begin_object().member("name", r.name).key("fields").begin_array();
    for (const dsl::FieldInfo& f : r.fields) {
      w.begin_object().member("name", f.name);
      write_type(w, schema, f.type);
      w.member("derived", f.derived != nullptr).member("doc", f.doc);
      if (f.default_value) {
        w.key("default");
        std::visit(
            [&](const auto& v) {
              using T = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<T, double>) w.value(fmt::format("{}", v));
              else w.value(v);
            },
            *f.default_value);
      }
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

// The registry's entries for the page's payer picker: what to put in `plan.payer` (the
// name; aliases and identifiers match too) and which plan type or state an entry is for.
std::string render_payers(const engine::PayerRegistry* registry) {
  engine::JsonWriter w(false);
  w.begin_object().key("payers").begin_array();
  if (registry) {
    for (const engine::PayerEntry& e : registry->entries) {
      w.begin_object().member("id", e.id).member("name", e.name);
      w.key("aliases").begin_array();
      for (const std::string& a : e.aliases) w.value(a);
      w.end_array().key("identifiers").begin_array();
      for (const std::string& i : e.identifiers) w.value(i);
      w.end_array().member("plan_type", e.plan_type).member("state", e.state).end_object();
    }
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

std::string now_iso() {
  auto now = std::chrono::system_clock::now();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(now));
}

}  // namespace

void write_bundle_value(engine::JsonWriter& w, const State& state) {
  if (!state.bundle_digest) {
    w.null();
    return;
  }
  w.begin_object().member("digest", *state.bundle_digest).member("version", *state.bundle_version).end_object();
}

namespace {

// The State of compiled rules: the listings the read-only routes return, and the sessions.
std::shared_ptr<State> make_state(const engine::RuleSource& built, const dsl::SourceRegistry& sources,
                                  std::uint64_t generation, const engine::Manifest* bundle) {
  auto state = std::make_shared<State>();
  state->rules = built;
  state->program = built.program ? built.program : built.registry->programs.front();
  state->sources = sources;
  state->generation = generation;
  if (bundle) {
    state->bundle_digest = bundle->digest;
    state->bundle_version = bundle->version;
  }
  state->bundle_member = "\"bundle\":";
  engine::JsonWriter member(false, state->bundle_member);
  write_bundle_value(member, *state);
  state->bundle_member += ',';
  state->loaded_at = now_iso();
  if (built.registry) {
    // Every rule set's units, each once (rule sets share modules such as `appeals`).
    for (const auto& program : built.registry->programs)
      for (PolicyEntry& e : list_policies(*program, state->sources)) {
        bool seen = std::any_of(state->policies.begin(), state->policies.end(), [&](const PolicyEntry& p) {
          return p.kind == e.kind && p.name == e.name && p.version == e.version;
        });
        if (!seen) state->policies.push_back(std::move(e));
      }
  } else {
    state->policies = list_policies(*state->program, state->sources);
  }
  state->policies_json = render_policies(*state);
  state->schema_json = render_schema(state->program->schema());
  state->payers_json = render_payers(built.registry.get());
  state->sessions = std::make_unique<SessionShelf>(state->rules, state->sources);
  return state;
}

}  // namespace

LoadOutcome load_state(const std::vector<std::string>& rule_paths, std::uint64_t generation) {
  LoadOutcome out;
  engine::RuleSource built = engine::load_rule_source(rule_paths, out.sources, out.diagnostics);
  if (built.status == engine::RuleSetStatus::ok) out.state = make_state(built, out.sources, generation, nullptr);
  return out;
}

LoadOutcome load_state(const engine::Bundle& bundle, std::uint64_t generation) {
  LoadOutcome out;
  engine::RuleSource built = engine::load_bundle_rules(bundle, out.sources, out.diagnostics);
  if (built.status == engine::RuleSetStatus::ok)
    out.state = make_state(built, out.sources, generation, &bundle.manifest);
  return out;
}

}  // namespace covcheck::server
