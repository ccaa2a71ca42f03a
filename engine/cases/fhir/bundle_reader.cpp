// The FHIR R4 element mapping (docs/fhir.md): resources indexed, references resolved, the
// order and the patient chosen, then each case field taken from the first element that has
// it, through the terminology tables. Every value keeps its FHIR path and span.
#include "engine/cases/fhir/bundle_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/cases/case_builder.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/cases/fhir/json_tree.hpp"

namespace covcheck::engine::fhir {

namespace {

using Kind = YamlNode::Kind;
using dsl::SourceSpan;

struct OutField;

// A case value under construction: a mapping, a list or a scalar, with where it came from.
struct Out {
  Kind kind = Kind::mapping;
  std::string text;
  bool quoted = true;
  SourceSpan span;
  std::string source;
  // A mapping's members. Not a vector of std::pair<std::string, Out>: a pair needs Out
  // complete, which clang's check of libstdc++ enforces (the fuzz build), where a struct
  // declared ahead does not.
  std::vector<OutField> fields;
  std::vector<Out> items;

  Out& field(std::string_view name);
  bool has(std::string_view name) const;
};

struct OutField {
  std::string first;  // the member's name
  Out second;         // its value
};

Out& Out::field(std::string_view name) {
  for (auto& [k, v] : fields)
    if (k == name) return v;
  // A record of the case has a few members: room for them at once, not by doubling.
  if (fields.empty()) fields.reserve(4);
  fields.push_back(OutField{std::string(name), Out{}});
  return fields.back().second;
}

bool Out::has(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(), [&](const OutField& f) { return f.first == name; });
}

Out scalar(std::string text, bool quoted, SourceSpan span, std::string source) {
  Out o;
  o.kind = Kind::scalar;
  o.text = std::move(text);
  o.quoted = quoted;
  o.span = span;
  o.source = std::move(source);
  return o;
}

// One resource of the bundle (or contained in one). Its type, id and fullUrl are views into
// the JSON tree, which outlives the reader.
struct Res {
  const YamlNode* node = nullptr;
  std::string_view type;
  std::string_view id;
  std::string label;  // Bundle.entry[3].resource(Condition/c1)
  std::string_view full_url;
  std::size_t container = SIZE_MAX;  // for contained resources: the resource holding them
};

}  // namespace

// The reader's indexes of one bundle, kept by a session from bundle to bundle (FhirScratch):
// their storage is then allocated once, not per bundle.
struct ReaderMemory {
  std::vector<Res> res;
  // The "Type/id" keys are spelt in `key_text`, reserved first so that the views stay put.
  std::string key_text;
  // Sorted (stably: of equal keys the first resource wins) and searched by halving: no
  // node to allocate per resource, as a hash map has.
  std::vector<std::pair<std::string_view, std::size_t>> by_key;       // "Type/id" -> index
  std::vector<std::pair<std::string_view, std::size_t>> by_full_url;  // fullUrl -> index
  void clear() {
    res.clear();
    key_text.clear();
    by_key.clear();
    by_full_url.clear();
  }
};

FhirScratch::FhirScratch() : memory(std::make_unique<ReaderMemory>()) {}
FhirScratch::~FhirScratch() = default;

namespace {

class Reader {
 public:
  Reader(const YamlTree& tree, dsl::FileId file, const Terminology& terms, dsl::Diagnostics& diags,
         const dsl::Schema* schema, ReaderMemory& memory)
      : t_(tree),
        file_(file),
        terms_(terms),
        diags_(diags),
        schema_(schema),
        res_(memory.res),
        key_text_(memory.key_text),
        by_key_(memory.by_key),
        by_full_url_(memory.by_full_url) {}

  bool read(Out& root);

 private:
  // ---- the JSON tree -------------------------------------------------------------------
  SourceSpan span(const YamlNode& n) const { return SourceSpan{file_, n.pos, std::max(n.pos, n.end)}; }
  const YamlNode* get(const YamlNode* n, std::string_view key) const { return n ? member(t_, *n, key) : nullptr; }
  std::optional<std::string_view> str(const YamlNode* n) const { return string_of(t_, n); }
  std::optional<std::string_view> str(const YamlNode* n, std::string_view key) const { return str(get(n, key)); }
  std::uint32_t size(const YamlNode* n) const { return n && n->kind == Kind::sequence ? n->count : 0; }
  const YamlNode* at(const YamlNode* n, std::uint32_t i) const { return &element(t_, *n, i); }

  dsl::Diagnostic& error(const char* code, const YamlNode& n, std::string message) {
    failed_ = true;
    return diags_.error(code, span(n), std::move(message));
  }
  void warn(const char* code, const YamlNode& n, std::string message) {
    if (++warnings_ <= max_warnings) diags_.warning(code, span(n), std::move(message));
  }

  // ---- resources -----------------------------------------------------------------------
  bool index_bundle(const YamlNode& bundle, const std::string& label, std::size_t depth);
  // Where a resource sits: `base` + `member` + `[index]` + `tail`
  // (`Bundle` `.entry` `[3]` `.resource`), spelt as its label without fmt.
  struct Place {
    std::string_view base, member;
    std::uint32_t index = 0;
    std::string_view tail;
    void append_to(std::string& out) const;
    std::string str() const {
      std::string out;
      append_to(out);
      return out;
    }
  };
  bool add_resource(const YamlNode& r, const Place& place, std::string_view full_url, std::size_t container);
  void index_references();
  // A reference's FHIR path, spelt only when it is broken: `base` + `member` (+ `[index]`).
  struct RefPath {
    std::string_view base, member;
    std::int64_t index = -1;
  };
  const Res* resolve(const Res& from, const YamlNode* reference, const RefPath& path, bool& broken);
  bool about_patient(const Res& r) const;

  // ---- the mapping ---------------------------------------------------------------------
  struct Coded {
    const TermEntry* entry = nullptr;
    std::string system, code;  // the coding that mapped, or the first one seen
    const YamlNode* node = nullptr;
    std::string path;
  };
  // The first coding of `cc` (a CodeableConcept) that `table` maps; else the first coding.
  Coded lookup(std::string_view table, const YamlNode* cc, const std::string& path, std::string_view route = {});
  void unmapped(const Res& r, const Coded& c, std::string_view element, std::string_view table);
  Out date(const YamlNode* n, const std::string& path);
  bool full_date(const YamlNode* n) const;
  std::optional<std::string> integer(const YamlNode* n) const;

  void map_patient(Out& root);
  void map_coverage(Out& root);
  void map_order(Out& root);
  void map_conditions(Out& root);
  void map_medications(Out& root);
  void map_observations(Out& root);
  void map_documents(Out& root);
  void map_answers(Out& root);
  bool answer_is_list(std::string_view link) const;
  void map_answer_items(Out& root, const Res& r, const YamlNode* items, const std::string& path, std::size_t depth);
  void known_empty(Out& root, std::string_view field, std::string_view type);
  // The drug a MedicationStatement / MedicationRequest names: through the table, with its name.
  Coded drug(const Res& r, std::string_view table, std::string_view route, std::string& name, std::string& path);
  Coded medication_codes(const Res& med, std::string_view table, std::string_view route, std::string& name,
                         std::string& path, std::unordered_set<const YamlNode*>& seen);
  std::string route_of(const YamlNode* order) const;

  const YamlTree& t_;
  dsl::FileId file_;
  const Terminology& terms_;
  dsl::Diagnostics& diags_;
  const dsl::Schema* schema_;
  bool failed_ = false;
  std::size_t warnings_ = 0;
  static constexpr std::size_t max_warnings = 200;

  // In the ReaderMemory; the reference indexes are built once every resource is indexed.
  std::vector<Res>& res_;
  std::string& key_text_;
  std::vector<std::pair<std::string_view, std::size_t>>& by_key_;
  std::vector<std::pair<std::string_view, std::size_t>>& by_full_url_;
  const Res* find(const std::vector<std::pair<std::string_view, std::size_t>>& index, std::string_view key) const {
    auto it = std::lower_bound(
        index.begin(), index.end(), key,
        [](const std::pair<std::string_view, std::size_t>& e, std::string_view k) { return e.first < k; });
    return it != index.end() && it->first == key ? &res_[it->second] : nullptr;
  }
  std::map<std::string, std::pair<const YamlNode*, std::string>> searchsets_;  // type -> (node, label) of a searchset
  std::size_t patient_ = SIZE_MAX;
  std::size_t order_ = SIZE_MAX;
  std::vector<std::string> patient_refs_;  // spellings that name the patient
};

// ---- indexing ----------------------------------------------------------------------------

void Reader::Place::append_to(std::string& out) const {
  char digits[16];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, index);
  (void)ec;
  out.append(base).append(member).append(1, '[').append(digits, end).append(1, ']').append(tail);
}

bool Reader::add_resource(const YamlNode& r, const Place& place, std::string_view full_url, std::size_t container) {
  if (r.kind != Kind::mapping) {
    error("fhir.not_a_resource", r, fmt::format("`{}` is not a FHIR resource (a JSON object)", place.str()));
    return false;
  }
  std::optional<std::string_view> type = str(get(&r, "resourceType"));
  if (!type || type->empty()) {
    error("fhir.no_resource_type", r,
          fmt::format("`{}` has no `resourceType`: every FHIR resource names its type", place.str()));
    return false;
  }
  if (res_.size() >= max_bundle_resources) {
    error("fhir.too_many_resources", r,
          fmt::format("the bundle holds more than {} resources; send the patient's resources for one order",
                      max_bundle_resources));
    return false;
  }
  Res x;
  x.node = &r;
  x.type = *type;
  x.id = str(&r, "id").value_or("");
  // Every mapped value's FHIR path starts with it: `Bundle.entry[3].resource(Condition/c1)`.
  x.label.reserve(place.base.size() + place.member.size() + place.tail.size() + x.type.size() + x.id.size() + 16);
  place.append_to(x.label);
  x.label.append(1, '(').append(x.type).append(1, '/').append(x.id.empty() ? std::string_view("?") : x.id);
  x.label.append(1, ')');
  x.full_url = full_url;
  x.container = container;
  std::size_t index = res_.size();
  res_.push_back(std::move(x));
  // Contained resources are reachable only as `#id` from their container.
  const YamlNode* contained = get(&r, "contained");
  for (std::uint32_t i = 0; i < size(contained); ++i)
    if (!add_resource(*at(contained, i), Place{res_[index].label, ".contained", i, ""}, "", index)) return false;
  return true;
}

// The lookups references resolve through; a key seen twice keeps its first resource.
void Reader::index_references() {
  std::size_t total = 0, top = 0;
  for (const Res& r : res_)
    if (r.container == SIZE_MAX) {
      ++top;
      if (!r.id.empty()) total += r.type.size() + 1 + r.id.size();
    }
  key_text_.reserve(total);
  by_key_.reserve(top);
  by_full_url_.reserve(top);
  for (std::size_t i = 0; i < res_.size(); ++i) {
    const Res& r = res_[i];
    if (r.container != SIZE_MAX) continue;
    if (!r.id.empty()) {
      std::size_t start = key_text_.size();
      key_text_.append(r.type).append("/").append(r.id);
      by_key_.emplace_back(std::string_view(key_text_).substr(start), i);
    }
    if (!r.full_url.empty()) by_full_url_.emplace_back(r.full_url, i);
  }
  auto by_text = [](const std::pair<std::string_view, std::size_t>& a,
                    const std::pair<std::string_view, std::size_t>& b) { return a.first < b.first; };
  std::stable_sort(by_key_.begin(), by_key_.end(), by_text);
  std::stable_sort(by_full_url_.begin(), by_full_url_.end(), by_text);
}

bool Reader::index_bundle(const YamlNode& bundle, const std::string& label, std::size_t depth) {
  const YamlNode* entries = get(&bundle, "entry");
  if (entries && entries->kind != Kind::sequence) {
    error("fhir.bad_element", *entries, fmt::format("`{}.entry` must be a list", label));
    return false;
  }
  bool searchset = str(&bundle, "type") == std::optional<std::string_view>("searchset");
  if (searchset) {
    // A searchset says which type it searched in its self link (`Condition?patient=…`); an
    // empty one still makes that list known (the search found nothing).
    std::string searched;
    const YamlNode* links = get(&bundle, "link");
    for (std::uint32_t i = 0; i < size(links); ++i) {
      if (str(at(links, i), "relation") != std::optional<std::string_view>("self")) continue;
      std::string_view url = str(at(links, i), "url").value_or("");
      url = url.substr(0, url.find('?'));
      if (std::size_t slash = url.rfind('/'); slash != std::string_view::npos) url = url.substr(slash + 1);
      searched = std::string(url);
    }
    for (std::uint32_t i = 0; i < size(entries) && searched.empty(); ++i)
      searched = std::string(str(get(at(entries, i), "resource"), "resourceType").value_or(""));
    if (!searched.empty()) searchsets_.emplace(searched, std::make_pair(&bundle, label));
  }
  for (std::uint32_t i = 0; i < size(entries); ++i) {
    const YamlNode* entry = at(entries, i);
    // The entry's path is spelt only where it is said (errors, nested bundles, labels).
    const Place entry_place{label, ".entry", i, ""};
    if (entry->kind != Kind::mapping) {
      error("fhir.bad_element", *entry, fmt::format("`{}` must be an object", entry_place.str()));
      return false;
    }
    const YamlNode* r = get(entry, "resource");
    if (!r) continue;  // a transaction entry without a resource (a DELETE): nothing to read
    std::string_view full_url = str(entry, "fullUrl").value_or("");
    if (r->kind == Kind::mapping && str(r, "resourceType") == std::optional<std::string_view>("Bundle")) {
      // A bundle inside the bundle: a searchset of prefetch, or a bundle of the EHR's.
      if (depth >= 3) {
        error("fhir.too_deep", *r, fmt::format("`{}.resource` nests bundles more than 3 deep", entry_place.str()));
        return false;
      }
      std::string inner = fmt::format("{}.resource(Bundle/{})", entry_place.str(), str(r, "id").value_or("?"));
      if (!index_bundle(*r, inner, depth + 1)) return false;
      continue;
    }
    if (!add_resource(*r, Place{label, ".entry", i, ".resource"}, full_url, SIZE_MAX)) return false;
  }
  return true;
}

// A reference's target: `#id` (contained), `Type/id`, a fullUrl (`urn:uuid:…` or absolute),
// or an absolute URL ending in `Type/id`. `broken` is set when it names nothing here.
const Res* Reader::resolve(const Res& from, const YamlNode* reference, const RefPath& path, bool& broken) {
  broken = false;
  std::optional<std::string_view> ref = str(reference, "reference");
  if (!ref) return nullptr;
  std::string_view r = *ref;
  if (!r.empty() && r[0] == '#') {
    std::size_t container = from.container == SIZE_MAX ? static_cast<std::size_t>(&from - res_.data()) : from.container;
    for (const Res& x : res_)
      if (x.container == container && x.id == r.substr(1)) return &x;
  } else {
    if (const Res* x = find(by_full_url_, r)) return x;
    if (const Res* x = find(by_key_, r)) return x;
    // `https://server/fhir/Patient/p1` or `Patient/p1/_history/2`: the last Type/id pair.
    std::string_view s = r;
    if (std::size_t h = s.find("/_history/"); h != std::string_view::npos) s = s.substr(0, h);
    std::size_t slash = s.rfind('/');
    if (slash != std::string_view::npos && slash > 0) {
      std::size_t before = s.rfind('/', slash - 1);
      std::string_view key = s.substr(before == std::string_view::npos ? 0 : before + 1);
      if (const Res* x = find(by_key_, key)) return x;
    }
  }
  broken = true;
  if (!str(reference, "display")) {
    error("fhir.broken_reference", *get(reference, "reference"),
          path.index < 0
              ? fmt::format("`{}{}.reference`: `{}` names no resource in the bundle", path.base, path.member, r)
              : fmt::format("`{}{}[{}].reference`: `{}` names no resource in the bundle", path.base, path.member,
                            path.index, r));
  }
  return nullptr;
}

bool Reader::about_patient(const Res& r) const {
  if (patient_ == SIZE_MAX) return true;
  const Res& self = r.container == SIZE_MAX ? r : res_[r.container];
  for (const char* key : {"subject", "patient", "beneficiary"}) {
    std::optional<std::string_view> ref = str(get(self.node, key), "reference");
    if (!ref) continue;
    return std::find(patient_refs_.begin(), patient_refs_.end(), *ref) != patient_refs_.end() ||
           std::any_of(patient_refs_.begin(), patient_refs_.end(), [&](const std::string& p) {
             return ref->size() > p.size() && ref->substr(ref->size() - p.size()) == p &&
                    (*ref)[ref->size() - p.size() - 1] == '/';
           });
  }
  return true;  // says nothing about whom: read as the patient's
}

// ---- codes -------------------------------------------------------------------------------

Reader::Coded Reader::lookup(std::string_view table, const YamlNode* cc, const std::string& path,
                             std::string_view route) {
  Coded first;
  const YamlNode* codings = get(cc, "coding");
  for (std::uint32_t i = 0; i < size(codings); ++i) {
    const YamlNode* c = at(codings, i);
    std::string_view system = str(c, "system").value_or("");
    std::string_view code = str(c, "code").value_or("");
    std::optional<std::string_view> name = terms_.system_name(system);
    const TermEntry* e = name ? terms_.lookup(table, *name, code, route) : nullptr;
    // (The path is built only for the coding that is kept: most codings are passed over.)
    if (e) return Coded{e, std::string(*name), std::string(code), c, fmt::format("{}.coding[{}]", path, i)};
    if (!first.node)
      first = Coded{nullptr, std::string(system), std::string(code), c, fmt::format("{}.coding[{}]", path, i)};
  }
  // A local code or only text: the `text` rows of the table (matched case-insensitively).
  if (std::optional<std::string_view> text = str(cc, "text")) {
    if (const TermEntry* e = terms_.lookup(table, "text", *text))
      return Coded{e, "text", std::string(*text), get(cc, "text"), path + ".text"};
    if (!first.node) first = Coded{nullptr, "text", std::string(*text), get(cc, "text"), path + ".text"};
  }
  return first;
}

void Reader::unmapped(const Res& r, const Coded& c, std::string_view element, std::string_view table) {
  if (!c.node) return;
  warn("fhir.unmapped_code", *c.node,
       fmt::format("`{}`: {} `{}|{}` is not in the `{}` table; ignored", c.path, element, c.system, c.code, table));
  (void)r;
}

bool Reader::full_date(const YamlNode* n) const {
  std::optional<std::string_view> s = str(n);
  return s && s->size() >= 10 && (*s)[4] == '-' && (*s)[7] == '-';
}

// A FHIR date or dateTime as the case's date: its first ten characters (the date as the
// record wrote it, in its own time zone). A partial date (`2024-05`) stays unknown.
Out Reader::date(const YamlNode* n, const std::string& path) {
  if (!n) return Out{};
  if (!full_date(n)) {
    warn("fhir.partial_date", *n, fmt::format("`{}` is not a full date (YYYY-MM-DD); left unknown", path));
    return Out{};
  }
  return scalar(std::string(str(n)->substr(0, 10)), true, span(*n), path);
}

std::optional<std::string> Reader::integer(const YamlNode* n) const {
  if (!n || n->kind != Kind::scalar || n->quoted) return std::nullopt;
  std::string_view s = t_.scalar(*n);
  std::size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    if (s.find_first_not_of('0', dot + 1) != std::string_view::npos) return std::nullopt;  // 12.5: not a count
    s = s.substr(0, dot);
  }
  if (s.find_first_of("eE") != std::string_view::npos) return std::nullopt;
  return std::string(s);
}

// ---- the patient and the plan ------------------------------------------------------------

void Reader::map_patient(Out& root) {
  if (patient_ == SIZE_MAX) return;
  const Res& p = res_[patient_];
  Out& patient = root.field("patient");
  if (const YamlNode* b = get(p.node, "birthDate")) {
    Out d = date(b, p.label + ".birthDate");
    if (d.kind == Kind::scalar) patient.field("birth_date") = std::move(d);
  }
  if (const YamlNode* g = get(p.node, "gender"); std::optional<std::string_view> gender = str(g)) {
    if (*gender == "male" || *gender == "female" || *gender == "other")
      patient.field("sex") = scalar(std::string(*gender), true, span(*g), p.label + ".gender");
  }
  const YamlNode* addresses = get(p.node, "address");
  std::uint32_t chosen = 0;
  for (std::uint32_t i = 0; i < size(addresses); ++i)
    if (str(at(addresses, i), "use") == std::optional<std::string_view>("home")) {
      chosen = i;
      break;
    }
  if (size(addresses) > 0) {
    const YamlNode* s = get(at(addresses, chosen), "state");
    std::string path = fmt::format("{}.address[{}].state", p.label, chosen);
    if (std::optional<std::string_view> state = str(s)) {
      if (state->size() == 2 && std::isalpha(static_cast<unsigned char>((*state)[0])) &&
          std::isalpha(static_cast<unsigned char>((*state)[1]))) {
        std::string up{static_cast<char>(std::toupper(static_cast<unsigned char>((*state)[0]))),
                       static_cast<char>(std::toupper(static_cast<unsigned char>((*state)[1])))};
        patient.field("state") = scalar(up, true, span(*s), path);
      } else {
        warn("fhir.unmapped_code", *s,
             fmt::format("`{}`: `{}` is not a two-letter USPS state code; ignored", path, *state));
      }
    }
  }
  if (patient.fields.empty()) root.fields.pop_back();
}

void Reader::map_coverage(Out& root) {
  std::vector<std::size_t> active;
  for (std::size_t i = 0; i < res_.size(); ++i)
    if (res_[i].type == "Coverage" && res_[i].container == SIZE_MAX && about_patient(res_[i]) &&
        str(res_[i].node, "status") == std::optional<std::string_view>("active"))
      active.push_back(i);
  if (active.empty()) return;
  if (active.size() > 1) {
    error("fhir.several_coverages", *res_[active[1]].node,
          fmt::format("`{}` and `{}` are both active Coverages of the patient; send the one the order is billed to",
                      res_[active[0]].label, res_[active[1]].label));
    return;
  }
  const Res& c = res_[active[0]];
  Out plan;
  const YamlNode* payors = get(c.node, "payor");
  if (size(payors) > 0) {
    const YamlNode* payor = at(payors, 0);
    std::string path = c.label + ".payor[0]";
    bool broken = false;
    const Res* org = resolve(c, payor, {path, ""}, broken);
    if (org && org->type == "Organization") {
      if (const YamlNode* name = get(org->node, "name"); str(name))
        plan.field("payer") = scalar(std::string(*str(name)), true, span(*name), org->label + ".name");
    } else if (const YamlNode* display = get(payor, "display"); str(display)) {
      plan.field("payer") = scalar(std::string(*str(display)), true, span(*display), path + ".display");
    }
  }
  if (const YamlNode* type = get(c.node, "type")) {
    Coded k = lookup("plan_type", type, c.label + ".type");
    if (k.entry) plan.field("type") = scalar(k.entry->to, true, span(*k.node), k.path);
    else unmapped(c, k, "plan type", "plan_type");
  }
  // Coverage.class of type `plan` names the plan; riders come from the payer registry's
  // plan entry (interop contract §3), which is not part of this reader.
  if (!plan.fields.empty()) root.field("plan") = std::move(plan);
}

// ---- the order -----------------------------------------------------------------------------

std::string Reader::route_of(const YamlNode* order) const {
  const YamlNode* dosage = get(order, "dosageInstruction");
  if (size(dosage) == 0) return {};
  const YamlNode* codings = get(get(at(dosage, 0), "route"), "coding");
  for (std::uint32_t i = 0; i < size(codings); ++i) {
    std::optional<std::string_view> name = terms_.system_name(str(at(codings, i), "system").value_or(""));
    if (name) return fmt::format("{}|{}", *name, str(at(codings, i), "code").value_or(""));
  }
  return {};
}

Reader::Coded Reader::medication_codes(const Res& med, std::string_view table, std::string_view route,
                                       std::string& name, std::string& path,
                                       std::unordered_set<const YamlNode*>& seen) {
  if (!seen.insert(med.node).second) {
    error("fhir.reference_cycle", *med.node,
          fmt::format("`{}` is reached again through its own ingredients (a reference cycle)", med.label));
    return {};
  }
  Coded c = lookup(table, get(med.node, "code"), med.label + ".code", route);
  if (name.empty()) name = std::string(str(get(med.node, "code"), "text").value_or(""));
  if (c.entry) return c;
  // A product's ingredients: coded in place, or other Medications.
  const YamlNode* ingredients = get(med.node, "ingredient");
  for (std::uint32_t i = 0; i < size(ingredients) && !failed_; ++i) {
    const YamlNode* ing = at(ingredients, i);
    std::string ipath = fmt::format("{}.ingredient[{}]", med.label, i);
    if (const YamlNode* cc = get(ing, "itemCodeableConcept")) {
      Coded k = lookup(table, cc, ipath + ".itemCodeableConcept", route);
      if (k.entry) return k;
    } else if (const YamlNode* ref = get(ing, "itemReference")) {
      bool broken = false;
      const Res* inner = resolve(med, ref, {ipath, ".itemReference"}, broken);
      if (inner && inner->type == "Medication") {
        Coded k = medication_codes(*inner, table, route, name, path, seen);
        if (k.entry || failed_) return k;
      }
    }
  }
  return c;
}

Reader::Coded Reader::drug(const Res& r, std::string_view table, std::string_view route, std::string& name,
                           std::string& path) {
  if (const YamlNode* cc = get(r.node, "medicationCodeableConcept")) {
    Coded c = lookup(table, cc, r.label + ".medicationCodeableConcept", route);
    name = std::string(str(cc, "text").value_or(""));
    if (name.empty() && c.node) name = std::string(str(c.node, "display").value_or(""));
    return c;
  }
  if (const YamlNode* ref = get(r.node, "medicationReference")) {
    bool broken = false;
    const Res* med = resolve(r, ref, {r.label, ".medicationReference"}, broken);
    if (med && med->type == "Medication") {
      std::unordered_set<const YamlNode*> seen;
      Coded c = medication_codes(*med, table, route, name, path, seen);
      if (name.empty() && c.node) name = std::string(str(c.node, "display").value_or(""));
      return c;
    }
    if (broken && name.empty()) name = std::string(str(ref, "display").value_or(""));
  }
  return {};
}

void Reader::map_order(Out& root) {
  if (order_ == SIZE_MAX) return;
  const Res& o = res_[order_];
  const YamlNode* n = o.node;
  bool med = o.type == "MedicationRequest";
  if (!o.id.empty()) root.field("id") = scalar(std::string(o.id), true, span(*get(n, "id")), o.label + ".id");

  // date_of_service: the first of the contract's elements that exists.
  Out dos;
  if (const YamlNode* p = get(n, "occurrencePeriod"); get(p, "start"))
    dos = date(get(p, "start"), o.label + ".occurrencePeriod.start");
  else if (const YamlNode* d = get(n, "occurrenceDateTime")) dos = date(d, o.label + ".occurrenceDateTime");
  else if (const YamlNode* b = get(get(get(get(n, "occurrenceTiming"), "repeat"), "boundsPeriod"), "start"))
    dos = date(b, o.label + ".occurrenceTiming.repeat.boundsPeriod.start");
  else if (const YamlNode* v = get(get(get(n, "dispenseRequest"), "validityPeriod"), "start"))
    dos = date(v, o.label + ".dispenseRequest.validityPeriod.start");
  else if (const YamlNode* a = get(n, "authoredOn")) dos = date(a, o.label + ".authoredOn");
  if (dos.kind == Kind::scalar) root.field("date_of_service") = std::move(dos);

  Out request;
  // The service, and the CPT / HCPCS codes of the order and of ServiceRequests based on it.
  std::string route = med ? route_of(n) : std::string();
  std::string name, path;
  Coded service = med ? drug(o, "service", route, name, path) : lookup("service", get(n, "code"), o.label + ".code");
  if (service.entry) request.field("service") = scalar(service.entry->to, true, span(*service.node), service.path);
  std::vector<std::pair<const Res*, const YamlNode*>> coded;  // (resource, code cc)
  if (!med) coded.emplace_back(&o, get(n, "code"));
  for (const Res& r : res_) {
    if (r.type != "ServiceRequest" || &r == &o || !about_patient(r)) continue;
    const YamlNode* based = get(r.node, "basedOn");
    for (std::uint32_t i = 0; i < size(based); ++i) {
      bool broken = false;
      if (resolve(r, at(based, i), {r.label, ".basedOn", i}, broken) == &o) coded.emplace_back(&r, get(r.node, "code"));
    }
  }
  Out cpt, hcpcs;
  cpt.kind = hcpcs.kind = Kind::sequence;
  auto collect = [&](const Res& r, const YamlNode* cc, const std::string& cpath) {
    const YamlNode* codings = get(cc, "coding");
    for (std::uint32_t i = 0; i < size(codings); ++i) {
      const YamlNode* c = at(codings, i);
      std::optional<std::string_view> system = terms_.system_name(str(c, "system").value_or(""));
      const YamlNode* code = get(c, "code");
      if (!system || !str(code)) continue;
      std::string p = fmt::format("{}.coding[{}].code", cpath, i);
      if (*system == "cpt") cpt.items.push_back(scalar(std::string(*str(code)), true, span(*code), p));
      if (*system == "hcpcs") hcpcs.items.push_back(scalar(std::string(*str(code)), true, span(*code), p));
    }
    (void)r;
  };
  for (auto& [r, cc] : coded) {
    std::string cpath = r->label + ".code";
    collect(*r, cc, cpath);
    // The CRD billing options: extension `ext-billing-options` on `code`, valueCodeableConcept.
    const YamlNode* exts = get(cc, "extension");
    for (std::uint32_t i = 0; i < size(exts); ++i) {
      std::string_view url = str(at(exts, i), "url").value_or("");
      if (url.size() >= 19 && url.substr(url.size() - 19) == "ext-billing-options")
        collect(*r, get(at(exts, i), "valueCodeableConcept"),
                fmt::format("{}.extension[{}].valueCodeableConcept", cpath, i));
    }
  }
  if (!cpt.items.empty()) request.field("cpt") = std::move(cpt);
  if (!hcpcs.items.empty()) request.field("hcpcs") = std::move(hcpcs);

  // Sessions and the period.
  if (!med) {
    const YamlNode* q = get(get(n, "quantityQuantity"), "value");
    if (std::optional<std::string> v = integer(q))
      request.field("sessions") = scalar(*v, false, span(*q), o.label + ".quantityQuantity.value");
  } else if (const YamlNode* repeats = get(get(n, "dispenseRequest"), "numberOfRepeatsAllowed")) {
    if (std::optional<std::string> v = integer(repeats)) {
      long long count = std::strtoll(v->c_str(), nullptr, 10);
      if (count >= 0 && count < 1'000'000)
        request.field("sessions") = scalar(std::to_string(count + 1), false, span(*repeats),
                                           o.label + ".dispenseRequest.numberOfRepeatsAllowed (+ 1)");
    }
  }
  if (const YamlNode* p = get(n, "occurrencePeriod"); full_date(get(p, "start")) && full_date(get(p, "end"))) {
    std::optional<std::int32_t> a = dsl::parse_iso_date(str(get(p, "start"))->substr(0, 10));
    std::optional<std::int32_t> b = dsl::parse_iso_date(str(get(p, "end"))->substr(0, 10));
    if (a && b)
      request.field("period_days") =
          scalar(std::to_string(*b - *a), false, span(*get(p, "end")), o.label + ".occurrencePeriod (end - start)");
  }

  // The site: a place-of-service code, or the referenced Location's type.
  const YamlNode* locations = get(n, "locationCode");
  bool site = false;
  for (std::uint32_t i = 0; i < size(locations) && !site; ++i) {
    Coded k = lookup("site", at(locations, i), fmt::format("{}.locationCode[{}]", o.label, i));
    if (k.entry) {
      request.field("site") = scalar(k.entry->to, true, span(*k.node), k.path);
      site = true;
    } else {
      unmapped(o, k, "place of service", "site");
    }
  }
  const YamlNode* location_refs = get(n, "locationReference");
  for (std::uint32_t i = 0; i < size(location_refs) && !site && !failed_; ++i) {
    bool broken = false;
    const Res* loc = resolve(o, at(location_refs, i), {o.label, ".locationReference", i}, broken);
    const YamlNode* types = loc ? get(loc->node, "type") : nullptr;
    for (std::uint32_t j = 0; j < size(types) && !site; ++j) {
      Coded k = lookup("site", at(types, j), fmt::format("{}.type[{}]", loc->label, j));
      if (k.entry) {
        request.field("site") = scalar(k.entry->to, true, span(*k.node), k.path);
        site = true;
      } else {
        unmapped(*loc, k, "location type", "site");
      }
    }
  }

  // The prescriber's specialty: the requester's PractitionerRole, else the order's performerType.
  bool specialty = false;
  auto from_role = [&](const Res& role) {
    const YamlNode* specs = get(role.node, "specialty");
    for (std::uint32_t j = 0; j < size(specs) && !specialty; ++j) {
      Coded k = lookup("specialty", at(specs, j), fmt::format("{}.specialty[{}]", role.label, j));
      if (k.entry) {
        request.field("prescriber_specialty") = scalar(k.entry->to, true, span(*k.node), k.path);
        specialty = true;
      } else {
        unmapped(role, k, "specialty", "specialty");
      }
    }
  };
  if (const YamlNode* requester = get(n, "requester")) {
    bool broken = false;
    const Res* who = resolve(o, requester, {o.label, ".requester"}, broken);
    if (who && who->type == "PractitionerRole") {
      from_role(*who);
    } else if (who && who->type == "Practitioner") {
      // The practitioner's roles in the bundle (PractitionerRole.practitioner names them).
      for (const Res& r : res_) {
        if (r.type != "PractitionerRole" || specialty) continue;
        bool b = false;
        if (resolve(r, get(r.node, "practitioner"), {r.label, ".practitioner"}, b) == who) from_role(r);
      }
    }
  }
  if (!specialty)
    if (const YamlNode* pt = get(n, "performerType")) {
      Coded k = lookup("specialty", pt, o.label + ".performerType");
      if (k.entry) request.field("prescriber_specialty") = scalar(k.entry->to, true, span(*k.node), k.path);
    }
  if (!request.fields.empty()) root.field("request") = std::move(request);
}

// ---- lists -----------------------------------------------------------------------------------

void Reader::known_empty(Out& root, std::string_view field, std::string_view type) {
  if (root.has(field)) return;
  auto it = searchsets_.find(std::string(type));
  if (it == searchsets_.end()) return;
  Out list;
  list.kind = Kind::sequence;
  list.span = span(*it->second.first);
  list.source = fmt::format("{} (a searchset of {} that found none for the patient)", it->second.second, type);
  root.field(field) = std::move(list);
}

void Reader::map_conditions(Out& root) {
  Out list;
  list.kind = Kind::sequence;
  bool present = false;
  const YamlNode* order = order_ == SIZE_MAX ? nullptr : res_[order_].node;
  bool primary_set = false;
  // The order's reasons: Conditions it references, and ICD-10-CM codes it names.
  std::vector<const Res*> reasons;
  std::vector<std::string> reason_codes;
  if (order) {
    const YamlNode* refs = get(order, "reasonReference");
    for (std::uint32_t i = 0; i < size(refs); ++i) {
      bool broken = false;
      if (const Res* r = resolve(res_[order_], at(refs, i), {res_[order_].label, ".reasonReference", i}, broken))
        reasons.push_back(r);
    }
    const YamlNode* codes = get(order, "reasonCode");
    for (std::uint32_t i = 0; i < size(codes); ++i) {
      const YamlNode* codings = get(at(codes, i), "coding");
      for (std::uint32_t j = 0; j < size(codings); ++j)
        if (terms_.system_name(str(at(codings, j), "system").value_or("")) ==
            std::optional<std::string_view>("icd10cm"))
          reason_codes.emplace_back(str(at(codings, j), "code").value_or(""));
    }
  }
  auto status_is = [&](const YamlNode* cc, std::initializer_list<std::string_view> codes) {
    const YamlNode* codings = get(cc, "coding");
    for (std::uint32_t i = 0; i < size(codings); ++i)
      for (std::string_view c : codes)
        if (str(at(codings, i), "code") == std::optional<std::string_view>(c)) return true;
    return false;
  };
  for (const Res& r : res_) {
    if (r.type != "Condition" || r.container != SIZE_MAX || !about_patient(r)) continue;
    present = true;
    if (status_is(get(r.node, "verificationStatus"), {"refuted", "entered-in-error"})) continue;
    if (status_is(get(r.node, "clinicalStatus"), {"inactive", "resolved"})) continue;
    Out d;
    const YamlNode* codings = get(get(r.node, "code"), "coding");
    const YamlNode* icd = nullptr;
    std::string path;
    for (std::uint32_t i = 0; i < size(codings) && !icd; ++i)
      if (terms_.system_name(str(at(codings, i), "system").value_or("")) ==
              std::optional<std::string_view>("icd10cm") &&
          str(at(codings, i), "code")) {
        icd = get(at(codings, i), "code");
        path = fmt::format("{}.code.coding[{}].code", r.label, i);
      }
    if (icd) {
      d.field("code") = scalar(std::string(*str(icd)), true, span(*icd), path);
    } else {
      // Kept as a diagnosis whose code is unknown: the record holds one, the tables cannot say which.
      Coded k = lookup("diagnosis", get(r.node, "code"), r.label + ".code");
      unmapped(r, k, "diagnosis", "ICD-10-CM");
    }
    bool primary = std::find(reasons.begin(), reasons.end(), &r) != reasons.end() ||
                   (icd && std::find(reason_codes.begin(), reason_codes.end(), *str(icd)) != reason_codes.end());
    if (primary && !primary_set) {
      d.field("primary") = scalar("true", false, span(*r.node), res_[order_].label + ".reason");
      primary_set = true;
    }
    d.span = span(*r.node);
    d.source = r.label;
    list.items.push_back(std::move(d));
  }
  // A reason code the record holds no Condition for is still a diagnosis (the primary one).
  if (!primary_set && order && !reason_codes.empty()) {
    const YamlNode* codes = get(order, "reasonCode");
    for (std::uint32_t i = 0; i < size(codes) && !primary_set; ++i) {
      const YamlNode* codings = get(at(codes, i), "coding");
      for (std::uint32_t j = 0; j < size(codings) && !primary_set; ++j) {
        if (terms_.system_name(str(at(codings, j), "system").value_or("")) !=
            std::optional<std::string_view>("icd10cm"))
          continue;
        const YamlNode* code = get(at(codings, j), "code");
        if (!str(code)) continue;
        Out d;
        std::string p = fmt::format("{}.reasonCode[{}].coding[{}].code", res_[order_].label, i, j);
        d.field("code") = scalar(std::string(*str(code)), true, span(*code), p);
        d.field("primary") = scalar("true", false, span(*code), p);
        d.span = span(*code);
        d.source = p;
        list.items.push_back(std::move(d));
        primary_set = present = true;
      }
    }
  }
  if (present) root.field("diagnoses") = std::move(list);
  else known_empty(root, "diagnoses", "Condition");
}

void Reader::map_medications(Out& root) {
  Out treatments, current;
  treatments.kind = current.kind = Kind::sequence;
  bool present = false;
  for (const Res& r : res_) {
    bool statement = r.type == "MedicationStatement";
    bool request = r.type == "MedicationRequest";
    if ((!statement && !request) || r.container != SIZE_MAX || order_ == static_cast<std::size_t>(&r - res_.data()) ||
        !about_patient(r))
      continue;
    std::string_view status = str(r.node, "status").value_or("");
    if (status == "entered-in-error" || status == "cancelled" || status == "draft") continue;
    present = true;
    std::string name, path;
    Coded k = drug(r, "drug_class", {}, name, path);
    if (failed_) return;
    Out t;
    if (k.entry) {
      t.field("name") = scalar(k.entry->display, true, span(*k.node), k.path + " (display from the drug_class table)");
      t.field("class") = scalar(k.entry->to, true, span(*k.node), k.path);
    } else {
      unmapped(r, k, "drug", "drug_class");
      if (!name.empty()) t.field("name") = scalar(name, true, span(*r.node), r.label + " (text of the medication)");
    }
    Out start;
    std::string when_path;
    if (const YamlNode* p = get(r.node, "effectivePeriod")) {
      start = date(get(p, "start"), r.label + ".effectivePeriod.start");
      if (Out end = date(get(p, "end"), r.label + ".effectivePeriod.end"); end.kind == Kind::scalar) {
        if (start.kind == Kind::scalar) t.field("start") = start;
        t.field("end") = std::move(end);
      } else if (start.kind == Kind::scalar) {
        t.field("start") = start;
      }
    } else if (const YamlNode* d = get(r.node, "effectiveDateTime")) {
      start = date(d, r.label + ".effectiveDateTime");
      if (start.kind == Kind::scalar) t.field("start") = start;
    } else if (request) {
      start = date(get(r.node, "authoredOn"), r.label + ".authoredOn");
      if (start.kind == Kind::scalar) t.field("start") = start;
    }
    t.span = span(*r.node);
    t.source = r.label;
    if (status == "active") {
      Out m;
      for (const char* f : {"name", "class"})
        if (t.has(f)) m.field(f) = t.field(f);
      if (start.kind == Kind::scalar) m.field("start") = start;
      m.span = t.span;
      m.source = r.label;
      current.items.push_back(std::move(m));
    }
    treatments.items.push_back(std::move(t));
  }
  if (present) {
    root.field("treatments") = std::move(treatments);
    root.field("current_medications") = std::move(current);
  } else {
    known_empty(root, "treatments", "MedicationStatement");
    known_empty(root, "current_medications", "MedicationStatement");
  }
}

void Reader::map_observations(Out& root) {
  Out list;
  list.kind = Kind::sequence;
  bool present = false;
  for (const Res& r : res_) {
    if (r.type != "Observation" || r.container != SIZE_MAX || !about_patient(r)) continue;
    std::string_view status = str(r.node, "status").value_or("");
    if (status == "entered-in-error" || status == "cancelled") continue;
    present = true;
    Coded k = lookup("instrument", get(r.node, "code"), r.label + ".code");
    if (!k.entry) {
      unmapped(r, k, "observation", "instrument");
      continue;
    }
    Out a;
    a.field("instrument") = scalar(k.entry->to, true, span(*k.node), k.path);
    const YamlNode* v = get(r.node, "valueInteger");
    std::string vpath = r.label + ".valueInteger";
    if (!v) {
      v = get(get(r.node, "valueQuantity"), "value");
      vpath = r.label + ".valueQuantity.value";
    }
    if (std::optional<std::string> score = integer(v)) a.field("score") = scalar(*score, false, span(*v), vpath);
    else if (v) warn("fhir.bad_value", *v, fmt::format("`{}` is not a whole-number score; left unknown", vpath));
    Out when;
    if (const YamlNode* d = get(r.node, "effectiveDateTime")) when = date(d, r.label + ".effectiveDateTime");
    else if (const YamlNode* p = get(get(r.node, "effectivePeriod"), "start"))
      when = date(p, r.label + ".effectivePeriod.start");
    if (when.kind == Kind::scalar) a.field("date") = std::move(when);
    a.span = span(*r.node);
    a.source = r.label;
    list.items.push_back(std::move(a));
  }
  if (present) root.field("assessments") = std::move(list);
  else known_empty(root, "assessments", "Observation");
}

void Reader::map_documents(Out& root) {
  Out list;
  list.kind = Kind::sequence;
  bool present = false;
  for (const Res& r : res_) {
    if (r.type != "DocumentReference" || r.container != SIZE_MAX || !about_patient(r)) continue;
    std::string_view status = str(r.node, "status").value_or("");
    if (status == "entered-in-error" || status == "superseded") continue;
    present = true;
    Coded k = lookup("document", get(r.node, "type"), r.label + ".type");
    if (!k.entry) {
      unmapped(r, k, "document type", "document");
      continue;
    }
    list.items.push_back(scalar(k.entry->to, true, span(*k.node), k.path));
  }
  if (present) root.field("documents") = std::move(list);
  else known_empty(root, "documents", "DocumentReference");
}

// ---- questionnaire answers -------------------------------------------------------------------

// A QuestionnaireResponse to a covcheck questionnaire (docs/cds-hooks.md): each item's linkId
// is a case field path (`treatments[1].adequate_dose`, lists indexed from 0 in the order the
// case was built), its first answer the value. Answers are read last, over what the record
// gave, and go through the same schema walk as every other value (types, enumerations,
// ranges), with the answer's FHIR path in the note.
void Reader::map_answers(Out& root) {
  for (const Res& r : res_) {
    if (r.type != "QuestionnaireResponse" || r.container != SIZE_MAX || !about_patient(r)) continue;
    std::string_view status = str(r.node, "status").value_or("");
    if (status == "entered-in-error" || status == "stopped") continue;
    map_answer_items(root, r, get(r.node, "item"), r.label + ".item", 0);
  }
}

void Reader::map_answer_items(Out& root, const Res& r, const YamlNode* items, const std::string& path,
                              std::size_t depth) {
  if (depth > 8) return;  // covcheck's questionnaires are flat; nested groups are followed a little
  for (std::uint32_t i = 0; i < size(items); ++i) {
    const YamlNode* item = at(items, i);
    std::string ipath = fmt::format("{}[{}]", path, i);
    map_answer_items(root, r, get(item, "item"), ipath + ".item", depth + 1);
    std::optional<std::string_view> link = str(item, "linkId");
    const YamlNode* answers = get(item, "answer");
    if (!link || size(answers) == 0) continue;
    const YamlNode* a = at(answers, 0);
    std::string apath = ipath + ".answer[0]";
    // The value: a scalar the schema walk types, quoted where FHIR's type is text.
    const YamlNode* v = nullptr;
    bool quoted = true;
    std::string text;
    for (const char* key : {"valueBoolean", "valueInteger", "valueDecimal"})
      if ((v = get(a, key))) {
        quoted = false;
        text = std::string(t_.scalar(*v));
        apath += std::string(".") + key;
        break;
      }
    if (!v)
      for (const char* key : {"valueDate", "valueString"})
        if ((v = get(a, key))) {
          text = std::string(str(v).value_or(""));
          apath += std::string(".") + key;
          break;
        }
    if (!v)
      if (const YamlNode* coding = get(a, "valueCoding")) {
        v = get(coding, "code");
        text = std::string(str(v).value_or(""));
        apath += ".valueCoding.code";
      }
    if (!v || v->kind != Kind::scalar) {
      warn("fhir.unread_answer", *item,
           fmt::format("`{}` (`{}`) has no boolean, integer, decimal, date, string or coding answer; not read", ipath,
                       *link));
      continue;
    }
    // Walk the path, making the records and list elements it names.
    Out* at_node = &root;
    std::string_view rest = *link;
    bool bad = rest.empty();
    while (!rest.empty() && !bad) {
      std::size_t dot = rest.find('.');
      std::string_view part = rest.substr(0, dot);
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
      std::optional<std::size_t> index;
      if (std::size_t open = part.find('['); open != std::string_view::npos) {
        std::string_view digits = part.substr(open + 1, part.size() - open - 2);
        if (part.back() != ']' || digits.empty() || digits.size() > 5 ||
            digits.find_first_not_of("0123456789") != std::string_view::npos) {
          bad = true;
          break;
        }
        index = static_cast<std::size_t>(std::stoul(std::string(digits)));
        part = part.substr(0, open);
      }
      if (part.empty() || at_node->kind != Kind::mapping) {
        bad = true;
        break;
      }
      bool fresh = !at_node->has(part);
      Out* next = &at_node->field(part);
      if (index) {
        if (fresh) next->kind = Kind::sequence;
        if (next->kind != Kind::sequence || *index > next->items.size() || *index > 10'000) {
          bad = true;  // a position past the end of what the case holds plus one
          break;
        }
        if (*index == next->items.size()) next->items.emplace_back();
        next = &next->items[*index];
      }
      at_node = next;
    }
    if (bad) {
      warn("fhir.unread_answer", *get(item, "linkId"),
           fmt::format("`{}.linkId` `{}` names no case field a questionnaire asks for; not read", ipath, *link));
      continue;
    }
    if (answer_is_list(*link)) {
      // A list field: every answer is one element; the `none` option says the list is empty.
      Out list;
      list.kind = Kind::sequence;
      list.span = span(*answers);
      list.source = ipath + ".answer";
      for (std::uint32_t j = 0; j < size(answers); ++j) {
        const YamlNode* code = get(get(at(answers, j), "valueCoding"), "code");
        std::optional<std::string_view> system = str(get(get(at(answers, j), "valueCoding"), "system"));
        if (!code || (system && *system == "urn:covcheck:none")) continue;
        list.items.push_back(scalar(std::string(str(code).value_or("")), true, span(*code),
                                    fmt::format("{}.answer[{}].valueCoding.code", ipath, j)));
      }
      *at_node = std::move(list);
      continue;
    }
    *at_node = scalar(std::move(text), quoted, span(*v), apath);
  }
}

bool Reader::answer_is_list(std::string_view link) const {
  if (!schema_ || link.empty() || link.back() == ']') return false;
  const dsl::RecordType* record = &schema_->root_record();
  const dsl::FieldInfo* field = nullptr;
  while (!link.empty() && record) {
    std::size_t dot = link.find('.');
    std::string_view part = link.substr(0, dot);
    part = part.substr(0, part.find('['));
    auto i = record->find(part);
    if (!i) return false;
    field = &record->fields[*i];
    record =
        field->type.base == dsl::BaseType::record && !field->type.list ? &schema_->records[field->type.ref] : nullptr;
    link = dot == std::string_view::npos ? std::string_view() : link.substr(dot + 1);
  }
  return link.empty() && field && field->type.list && field->type.base == dsl::BaseType::enumeration;
}

// ---- the whole bundle ------------------------------------------------------------------------

bool Reader::read(Out& root) {
  const YamlNode& b = t_.nodes[t_.root];
  if (b.kind != Kind::mapping) {
    error("fhir.not_a_bundle", b, "a FHIR bundle is a JSON object with `resourceType` `Bundle`");
    return false;
  }
  std::optional<std::string_view> type = str(get(&b, "resourceType"));
  if (type != std::optional<std::string_view>("Bundle")) {
    const YamlNode* where = get(&b, "resourceType");
    error("fhir.not_a_bundle", where ? *where : b,
          type ? fmt::format("this is a FHIR `{}` resource, not a Bundle: covcheck reads a Bundle holding the order, "
                             "the patient and their record",
                             *type)
               : std::string("`resourceType` must be the string `Bundle`"));
    return false;
  }
  if (!index_bundle(b, "Bundle", 1)) return false;
  index_references();

  // The order: the first MedicationRequest or ServiceRequest whose codes name a service.
  std::vector<std::size_t> orders;
  std::size_t first_request = SIZE_MAX;
  for (std::size_t i = 0; i < res_.size(); ++i) {
    const Res& r = res_[i];
    if (r.container != SIZE_MAX) continue;
    bool med = r.type == "MedicationRequest";
    if (!med && r.type != "ServiceRequest" && r.type != "DeviceRequest") continue;
    if (first_request == SIZE_MAX) first_request = i;
    if (r.type == "DeviceRequest") continue;
    std::string name, path;
    Coded k = med ? drug(r, "service", route_of(r.node), name, path)
                  : lookup("service", get(r.node, "code"), r.label + ".code");
    if (failed_) return false;
    if (k.entry) orders.push_back(i);
  }
  // A ServiceRequest based on another order (the administration of a drug order) is part
  // of that order: its codes are billing codes, not a second order.
  orders.erase(std::remove_if(orders.begin(), orders.end(),
                              [&](std::size_t i) {
                                const YamlNode* based = get(res_[i].node, "basedOn");
                                for (std::uint32_t j = 0; j < size(based); ++j) {
                                  bool broken = false;
                                  const Res* to = resolve(res_[i], at(based, j), {res_[i].label, ".basedOn"}, broken);
                                  if (to && std::find(orders.begin(), orders.end(),
                                                      static_cast<std::size_t>(to - res_.data())) != orders.end())
                                    return true;
                                }
                                return false;
                              }),
               orders.end());
  if (failed_) return false;
  if (!orders.empty()) {
    order_ = orders[0];
    for (std::size_t i = 1; i < orders.size(); ++i)
      warn("fhir.several_orders", *res_[orders[i]].node,
           fmt::format("`{}` also orders a service the mapping knows; the case is `{}`'s order", res_[orders[i]].label,
                       res_[order_].label));
  }

  // The patient: the order's subject, else the only Patient, else the first request's subject.
  std::vector<std::size_t> patients;
  for (std::size_t i = 0; i < res_.size(); ++i)
    if (res_[i].type == "Patient" && res_[i].container == SIZE_MAX) patients.push_back(i);
  std::size_t subject_of = order_ != SIZE_MAX ? order_ : (patients.size() > 1 ? first_request : SIZE_MAX);
  if (subject_of != SIZE_MAX) {
    bool broken = false;
    const Res* p =
        resolve(res_[subject_of], get(res_[subject_of].node, "subject"), {res_[subject_of].label, ".subject"}, broken);
    if (failed_) return false;
    if (p && p->type == "Patient") patient_ = static_cast<std::size_t>(p - res_.data());
  }
  if (patient_ == SIZE_MAX && patients.size() == 1) patient_ = patients[0];
  if (patient_ == SIZE_MAX && patients.size() > 1) {
    error("fhir.several_patients", *res_[patients[1]].node,
          fmt::format("the bundle holds {} patients (`{}`, `{}`, …) and no order names one; a case is one patient's",
                      patients.size(), res_[patients[0]].label, res_[patients[1]].label));
    return false;
  }
  if (patient_ != SIZE_MAX) {
    const Res& p = res_[patient_];
    patient_refs_.push_back(fmt::format("Patient/{}", p.id));
    if (!p.full_url.empty()) patient_refs_.emplace_back(p.full_url);
  }
  if (order_ == SIZE_MAX && first_request != SIZE_MAX)
    warn("fhir.no_order", *res_[first_request].node,
         "no MedicationRequest or ServiceRequest in the bundle names a service of the `service` table; "
         "`request.service` is unknown");

  map_order(root);
  map_patient(root);
  map_coverage(root);
  map_conditions(root);
  map_medications(root);
  map_observations(root);
  map_documents(root);
  map_answers(root);
  if (failed_) return false;

  // What the mapping did not read, said once per kind: resources of other patients, and
  // resource types no case field comes from.
  std::map<std::string, std::pair<std::size_t, const Res*>> other_patient, unread;
  static const std::unordered_set<std::string> read_types{
      "Patient",           "Coverage",   "Organization",         "Condition",   "MedicationStatement",
      "MedicationRequest", "Medication", "ServiceRequest",       "Observation", "DocumentReference",
      "PractitionerRole",  "Location",   "QuestionnaireResponse"};
  for (const Res& r : res_) {
    if (r.container != SIZE_MAX) continue;
    if (!about_patient(r) && r.type != "Patient") {
      auto& slot = other_patient[std::string(r.type)];
      if (slot.first++ == 0) slot.second = &r;
    } else if (!read_types.count(std::string(r.type)) &&
               !(r.type == "Patient" && static_cast<std::size_t>(&r - res_.data()) != patient_)) {
      auto& slot = unread[std::string(r.type)];
      if (slot.first++ == 0) slot.second = &r;
    }
  }
  for (std::size_t i : patients)
    if (i != patient_)
      warn("fhir.other_patient", *res_[i].node, fmt::format("`{}` is not the case's patient; not read", res_[i].label));
  for (auto& [type, slot] : other_patient)
    warn("fhir.other_patient", *slot.second->node,
         fmt::format("{} {} resource(s) about another patient are not read (first: `{}`)", slot.first, type,
                     slot.second->label));
  for (auto& [type, slot] : unread)
    warn("fhir.not_read", *slot.second->node,
         fmt::format("{} {} resource(s) are not read: no case field comes from a {} (first: `{}`)", slot.first, type,
                     type, slot.second->label));
  if (warnings_ > max_warnings)
    diags_.warning("fhir.too_many_warnings", span(b),
                   fmt::format("{} more FHIR mapping warnings not shown", warnings_ - max_warnings));
  return true;
}

// ---- the case tree ---------------------------------------------------------------------------

// Lays the built case out as a tree, consuming `o` (its strings move into the tree).
// `kids` holds the children of the open collections, innermost last, so that no collection
// allocates a list of its own.
std::uint32_t flatten(Out& o, FhirCase& out, std::vector<std::uint32_t>& kids) {
  YamlTree& t = out.tree;
  auto node = static_cast<std::uint32_t>(t.nodes.size());
  t.nodes.emplace_back();
  out.sources.push_back(std::move(o.source));
  YamlNode n;
  n.kind = o.kind;
  n.quoted = o.quoted;
  n.pos = o.span.begin;
  n.end = o.span.end;
  if (o.kind == Kind::scalar) {
    n.first = static_cast<std::uint32_t>(t.text.size());
    n.count = static_cast<std::uint32_t>(o.text.size());
    t.text.append(o.text);
  } else {
    const std::size_t base = kids.size();
    if (o.kind == Kind::mapping) {
      for (auto& [k, v] : o.fields) {
        // The member's name: a quoted scalar at its value's span, with no FHIR source.
        auto key = static_cast<std::uint32_t>(t.nodes.size());
        YamlNode& kn = t.nodes.emplace_back();
        kn.kind = Kind::scalar;
        kn.quoted = true;
        kn.pos = v.span.begin;
        kn.end = v.span.end;
        kn.first = static_cast<std::uint32_t>(t.text.size());
        kn.count = static_cast<std::uint32_t>(k.size());
        t.text.append(k);
        out.sources.emplace_back();
        kids.push_back(key);
        std::uint32_t value = flatten(v, out, kids);
        kids.push_back(value);
      }
    } else {
      for (Out& v : o.items) {
        std::uint32_t item = flatten(v, out, kids);
        kids.push_back(item);
      }
    }
    n.first = static_cast<std::uint32_t>(t.children.size());
    n.count = static_cast<std::uint32_t>(kids.size() - base);
    t.children.insert(t.children.end(), kids.begin() + static_cast<std::ptrdiff_t>(base), kids.end());
    kids.resize(base);
  }
  t.nodes[node] = n;
  return node;
}

}  // namespace

bool is_fhir_document(std::string_view text) { return top_level_resource_type(text).has_value(); }
bool leads_as_fhir_document(std::string_view text) { return leading_resource_type(text).has_value(); }

bool read_bundle(std::string_view text, dsl::FileId file, const Terminology& terms, dsl::Diagnostics& diagnostics,
                 FhirCase& out, JsonTreeParser* parser, const dsl::Schema* schema, ReaderMemory* memory) {
  // Cleared, not replaced: a session reading bundle after bundle keeps the storage.
  out.tree.nodes.clear();
  out.tree.children.clear();
  out.tree.text.clear();
  out.tree.root = yaml_none;
  out.sources.clear();
  if (text.size() > max_bundle_bytes) {
    diagnostics.error("fhir.too_large", SourceSpan{file, 0, 0},
                      fmt::format("the bundle is {} bytes; bundles are limited to 64 MiB", text.size()));
    return false;
  }
  YamlTree local;
  YamlTree& json = parser ? parser->scratch() : local;
  if (std::optional<JsonTreeProblem> p = parser ? parser->parse(text, json) : parse_json_tree(text, json)) {
    diagnostics.error(p->code, SourceSpan{file, p->begin, p->end}, p->message);
    return false;
  }
  ReaderMemory own;
  ReaderMemory& kept = memory ? *memory : own;
  kept.clear();
  Reader reader(json, file, terms, diagnostics, schema, kept);
  Out root;
  root.span = SourceSpan{file, json.nodes[json.root].pos, json.nodes[json.root].end};
  root.source = "Bundle";
  if (!reader.read(root)) return false;
  std::vector<std::uint32_t> kids;
  out.tree.root = flatten(root, out, kids);
  return true;
}

bool read_fhir_case(FhirScratch& scratch, const SchemaIndex& index, std::string_view text, dsl::FileId file,
                    dsl::Diagnostics& diagnostics, Case& out) {
  if (!scratch.terms) {
    if (!scratch.shipped) {
      scratch.shipped = build_terminology(shipped_tables(), scratch.shipped_sources, diagnostics);
      if (!scratch.shipped) return false;  // only a broken build ships broken tables
    }
    scratch.terms = &*scratch.shipped;
  }
  FhirCase& fc = scratch.mapped;
  if (!read_bundle(text, file, *scratch.terms, diagnostics, fc, &scratch.parser, &index.schema(), scratch.memory.get()))
    return false;
  dsl::Diagnostics& walked = scratch.walked;
  walked.clear();
  bool ok = load_case_tree(index, fc.tree, file, walked, out);
  // Name the FHIR element behind each schema diagnostic (spans are the element's).
  for (const dsl::Diagnostic& d : walked.items()) {
    dsl::Diagnostic copy = d;
    for (std::size_t i = 0; i < fc.tree.nodes.size(); ++i) {
      const YamlNode& n = fc.tree.nodes[i];
      if (!fc.sources[i].empty() && n.pos == d.span.begin && n.end == d.span.end && d.span.file == file) {
        copy.notes.push_back(dsl::DiagnosticNote{std::nullopt, fmt::format("from FHIR `{}`", fc.sources[i])});
        break;
      }
    }
    diagnostics.add(std::move(copy));
  }
  return ok && !walked.has_errors();
}

std::optional<Case> load_fhir_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                                   const Terminology& terms, dsl::Diagnostics& diagnostics, FhirCase* keep) {
  FhirScratch scratch;
  scratch.terms = &terms;
  SchemaIndex index(schema);
  Case c;
  bool ok = read_fhir_case(scratch, index, sources.file(file).text(), file, diagnostics, c);
  if (keep) *keep = std::move(scratch.mapped);
  if (!ok) return std::nullopt;
  return c;
}

}  // namespace covcheck::engine::fhir
