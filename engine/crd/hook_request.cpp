// Reading a CDS Hooks request with the FHIR reader's JSON tree (spans kept, so each resource
// is cut from the body verbatim) and assembling one Bundle per order.
#include "engine/crd/hook_request.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/cases/fhir/json_tree.hpp"

namespace covcheck::engine::crd {

namespace {

using fhir::member;
using fhir::string_of;
using Kind = YamlNode::Kind;

// Resources one request may carry: a prefetch of a patient's whole record stays far below.
constexpr std::size_t max_request_resources = 10'000;

const std::vector<PrefetchKey> order_keys = {
    {"patient", "Patient/{{context.patientId}}", true},
    {"coverage", "Coverage?patient={{context.patientId}}&status=active", true},
    {"practitionerRoles", "PractitionerRole?practitioner={{userPractitionerId}}", false},
    {"conditions", "Condition?patient={{context.patientId}}", false},
    {"medicationStatements", "MedicationStatement?patient={{context.patientId}}", false},
    {"observations", "Observation?patient={{context.patientId}}&category=survey", false},
    {"documents", "DocumentReference?patient={{context.patientId}}", false},
    {"questionnaireResponse", "QuestionnaireResponse?subject={{context.patientId}}&status=completed", false},
};

std::vector<PrefetchKey> dispatch_keys() {
  std::vector<PrefetchKey> keys = order_keys;
  keys.insert(keys.begin(), PrefetchKey{"order", "{{context.order}}", true});
  return keys;
}

// Where a JSON value's text ends: the tree records only a collection's opening bracket, so
// its end is found after its last child's (only whitespace can come between).
std::uint32_t end_of(const YamlTree& tree, const YamlNode& n, std::string_view text) {
  if (n.kind != Kind::mapping && n.kind != Kind::sequence) return n.end;
  std::uint32_t at = n.count == 0 ? n.pos + 1 : end_of(tree, tree.nodes[tree.children[n.first + n.count - 1]], text);
  char close = n.kind == Kind::mapping ? '}' : ']';
  while (at < text.size() && text[at] != close) ++at;
  return std::min<std::uint32_t>(at + 1, static_cast<std::uint32_t>(text.size()));
}

class Reader {
 public:
  Reader(std::string_view text, HookRequest& out, fhir::JsonTreeParser* parser)
      : text_(text), out_(out), parser_(parser), tree_(parser ? parser->scratch() : own_) {}

  std::optional<HookProblem> read(Hook service) {
    if (auto problem = parser_ ? parser_->parse(text_, tree_) : fhir::parse_json_tree(text_, tree_)) {
      return HookProblem{400, problem->code == "fhir.syntax" ? "crd.syntax" : problem->code,
                         "the request is not JSON: " + problem->message, "", problem->begin};
    }
    const YamlNode& root = tree_.nodes[tree_.root];
    if (root.kind != Kind::mapping)
      return problem(root, "crd.not_an_object", "a CDS Hooks request is a JSON object", "");
    const YamlNode* hook = member(tree_, root, "hook");
    auto hook_text = string_of(tree_, hook);
    if (!hook_text) return problem(root, "crd.no_hook", "the request has no `hook`", "hook");
    std::optional<Hook> named = hook_named(*hook_text);
    if (!named || *named != service)
      return problem(*hook, "crd.wrong_hook",
                     fmt::format("this service answers `{}`, not `{}`", hook_name(service), *hook_text), "hook");
    out_.hook = service;
    if (auto id = string_of(tree_, member(tree_, root, "hookInstance"))) out_.hook_instance = std::string(*id);
    if (out_.hook_instance.empty())
      return problem(root, "crd.no_hook_instance", "the request has no `hookInstance`", "hookInstance");
    if (auto s = string_of(tree_, member(tree_, root, "fhirServer"))) out_.fhir_server = std::string(*s);
    if (const YamlNode* auth = member(tree_, root, "fhirAuthorization"); auth && auth->kind == Kind::mapping)
      if (auto token = string_of(tree_, member(tree_, *auth, "access_token"))) out_.access_token = std::string(*token);

    const YamlNode* context = member(tree_, root, "context");
    if (!context || context->kind != Kind::mapping)
      return problem(context ? *context : root, "crd.no_context", "the request has no `context` object", "context");
    if (auto p = string_of(tree_, member(tree_, *context, "patientId"))) out_.patient_id = std::string(*p);
    if (auto u = string_of(tree_, member(tree_, *context, "userId"))) out_.user_id = std::string(*u);
    if (auto o = string_of(tree_, member(tree_, *context, "order"))) out_.dispatched_order = std::string(*o);
    if (const YamlNode* sel = member(tree_, *context, "selections"); sel && sel->kind == Kind::sequence)
      for (std::uint32_t i = 0; i < sel->count; ++i)
        if (auto ref = string_of(tree_, &fhir::element(tree_, *sel, i))) out_.selections.emplace_back(*ref);
    if (out_.patient_id.empty())
      return problem(*context, "crd.no_patient", "`context.patientId` is missing", "context.patientId");

    const YamlNode* prefetch = member(tree_, root, "prefetch");
    if (prefetch && prefetch->kind != Kind::mapping && prefetch->kind != Kind::null)
      return problem(*prefetch, "crd.bad_prefetch", "`prefetch` must be an object", "prefetch");

    if (service == Hook::order_sign || service == Hook::order_select || service == Hook::order_dispatch ||
        service == Hook::appointment_book) {
      const char* key = service == Hook::appointment_book ? "appointments" : "draftOrders";
      if (service != Hook::order_dispatch) {
        const YamlNode* orders = member(tree_, *context, key);
        if (!orders)
          return problem(*context, "crd.no_orders", fmt::format("`context.{}` is missing", key),
                         fmt::format("context.{}", key));
        if (auto p = add_resources(*orders, fmt::format("context.{}", key), out_.orders)) return p;
      }
    }
    for (const PrefetchKey& k : prefetch_keys(service)) {
      const YamlNode* v = prefetch && prefetch->kind == Kind::mapping ? member(tree_, *prefetch, k.key) : nullptr;
      if (!v || v->kind == Kind::null) {
        out_.absent_prefetch.emplace_back(k.key);
        if (k.required) out_.missing_prefetch.emplace_back(k.key);
        continue;
      }
      std::string path = fmt::format("prefetch.{}", k.key);
      if (v->kind != Kind::mapping)
        return problem(*v, "crd.bad_prefetch", fmt::format("`{}` must be a FHIR resource or Bundle", path), path);
      if (k.key == "order") {
        if (auto p = add_resource(*v, path, out_.orders)) return p;
      } else if (auto p = add_resource(*v, path, out_.context)) {
        return p;
      }
    }
    // Prefetch keys the service did not ask for are read too: an EHR may send more.
    if (prefetch && prefetch->kind == Kind::mapping) {
      for (std::uint32_t i = 0; i + 1 < prefetch->count; i += 2) {
        const YamlNode& k = tree_.nodes[tree_.children[prefetch->first + i]];
        const YamlNode& v = tree_.nodes[tree_.children[prefetch->first + i + 1]];
        std::string_view name = tree_.scalar(k);
        const auto& keys = prefetch_keys(service);
        if (std::any_of(keys.begin(), keys.end(), [&](const PrefetchKey& p) { return p.key == name; })) continue;
        if (v.kind != Kind::mapping) continue;
        if (auto p = add_resource(v, fmt::format("prefetch.{}", name), out_.context)) return p;
      }
    }
    collect_coverages();
    return std::nullopt;
  }

 private:
  HookProblem problem(const YamlNode& at, std::string code, std::string message, std::string expression) {
    return HookProblem{400, std::move(code), std::move(message), std::move(expression), at.pos};
  }

  // A Bundle's entries, or a single resource, into `into`.
  std::optional<HookProblem> add_resources(const YamlNode& node, const std::string& path,
                                           std::vector<ResourceText>& into) {
    if (node.kind != Kind::mapping)
      return problem(node, "crd.bad_element", fmt::format("`{}` must be a FHIR Bundle", path), path);
    auto type = string_of(tree_, member(tree_, node, "resourceType"));
    if (!type || *type != "Bundle")
      return problem(node, "crd.not_a_bundle", fmt::format("`{}` must be a FHIR Bundle", path), path);
    const YamlNode* entries = member(tree_, node, "entry");
    if (!entries) return std::nullopt;
    if (entries->kind != Kind::sequence)
      return problem(*entries, "crd.bad_element", fmt::format("`{}.entry` must be an array", path), path + ".entry");
    for (std::uint32_t i = 0; i < entries->count; ++i) {
      const YamlNode& e = fhir::element(tree_, *entries, i);
      std::string epath = fmt::format("{}.entry[{}]", path, i);
      const YamlNode* r = e.kind == Kind::mapping ? member(tree_, e, "resource") : nullptr;
      if (!r) return problem(e, "crd.bad_element", fmt::format("`{}` has no `resource`", epath), epath);
      if (auto p = add_resource(*r, epath + ".resource", into)) return p;
    }
    return std::nullopt;
  }

  std::optional<HookProblem> add_resource(const YamlNode& node, const std::string& path,
                                          std::vector<ResourceText>& into) {
    if (node.kind != Kind::mapping)
      return problem(node, "crd.bad_element", fmt::format("`{}` is not a FHIR resource", path), path);
    auto type = string_of(tree_, member(tree_, node, "resourceType"));
    if (!type) return problem(node, "crd.no_resource_type", fmt::format("`{}` has no `resourceType`", path), path);
    if (++resources_ > max_request_resources)
      return problem(node, "crd.too_many_resources",
                     fmt::format("the request holds more than {} resources", max_request_resources), path);
    ResourceText r;
    r.type = std::string(*type);
    if (auto id = string_of(tree_, member(tree_, node, "id"))) r.id = std::string(*id);
    r.json = text_.substr(node.pos, end_of(tree_, node, text_) - node.pos);
    r.path = path;
    r.pos = node.pos;
    if (const YamlNode* based = member(tree_, node, "basedOn"); based && based->kind == Kind::sequence)
      for (std::uint32_t i = 0; i < based->count; ++i) {
        const YamlNode& b = fhir::element(tree_, *based, i);
        if (b.kind != Kind::mapping) continue;
        if (auto ref = string_of(tree_, member(tree_, b, "reference"))) r.based_on.emplace_back(*ref);
      }
    r.display = display_of(node);
    for (std::uint32_t i = 0; i + 1 < node.count; i += 2) {
      const YamlNode& k = tree_.nodes[tree_.children[node.first + i]];
      const YamlNode& v = tree_.nodes[tree_.children[node.first + i + 1]];
      if (tree_.scalar(k) == "extension" && v.kind == Kind::sequence) {
        for (std::uint32_t j = 0; j < v.count; ++j) {
          const YamlNode& e = fhir::element(tree_, v, j);
          auto url = e.kind == Kind::mapping ? string_of(tree_, member(tree_, e, "url")) : std::nullopt;
          r.extensions.emplace_back(std::string(url.value_or("")),
                                    text_.substr(e.pos, end_of(tree_, e, text_) - e.pos));
        }
        continue;
      }
      r.members.push_back(text_.substr(k.pos, end_of(tree_, v, text_) - k.pos));
    }
    if (r.type == "Coverage") {
      auto status = string_of(tree_, member(tree_, node, "status"));
      if (status && *status == "active") coverages_.push_back(reference_of(r));
    }
    into.push_back(std::move(r));
    // A searchset's Coverages count too: walk one level of nested entries for them.
    if (*type == "Bundle")
      if (const YamlNode* entries = member(tree_, node, "entry"); entries && entries->kind == Kind::sequence)
        for (std::uint32_t i = 0; i < entries->count; ++i) {
          const YamlNode& e = fhir::element(tree_, *entries, i);
          const YamlNode* res = e.kind == Kind::mapping ? member(tree_, e, "resource") : nullptr;
          if (!res || res->kind != Kind::mapping) continue;
          auto t = string_of(tree_, member(tree_, *res, "resourceType"));
          auto status = string_of(tree_, member(tree_, *res, "status"));
          auto id = string_of(tree_, member(tree_, *res, "id"));
          if (t && *t == "Coverage" && status && *status == "active")
            coverages_.push_back(fmt::format("Coverage/{}", id ? *id : std::string_view()));
        }
    return std::nullopt;
  }

  // The order's words: a CodeableConcept's text, else its first coding's display or code.
  std::string display_of(const YamlNode& r) {
    for (const char* key : {"medicationCodeableConcept", "code", "serviceType", "oralDiet"}) {
      const YamlNode* cc = member(tree_, r, key);
      if (cc && cc->kind == Kind::sequence && cc->count > 0) cc = &fhir::element(tree_, *cc, 0);
      if (!cc || cc->kind != Kind::mapping) continue;
      if (auto text = string_of(tree_, member(tree_, *cc, "text"))) return std::string(*text);
      const YamlNode* codings = member(tree_, *cc, "coding");
      if (codings && codings->kind == Kind::sequence && codings->count > 0) {
        const YamlNode& c = fhir::element(tree_, *codings, 0);
        if (c.kind != Kind::mapping) continue;
        if (auto d = string_of(tree_, member(tree_, c, "display"))) return std::string(*d);
        if (auto code = string_of(tree_, member(tree_, c, "code"))) {
          std::string_view system = string_of(tree_, member(tree_, c, "system")).value_or("");
          const char* name = system.find("rxnorm") != std::string_view::npos   ? "RxNorm"
                             : system.find("snomed") != std::string_view::npos ? "SNOMED CT"
                             : system.find("cpt") != std::string_view::npos    ? "CPT"
                             : system.find("HCPCS") != std::string_view::npos  ? "HCPCS"
                                                                               : "code";
          return fmt::format("{} {}", name, *code);
        }
      }
    }
    return "";
  }

  void collect_coverages() {
    std::sort(coverages_.begin(), coverages_.end());
    coverages_.erase(std::unique(coverages_.begin(), coverages_.end()), coverages_.end());
    out_.active_coverages = std::move(coverages_);
  }

  std::string_view text_;
  HookRequest& out_;
  fhir::JsonTreeParser* parser_;
  YamlTree own_;
  YamlTree& tree_;
  std::size_t resources_ = 0;
  std::vector<std::string> coverages_;
};

}  // namespace

const char* hook_name(Hook hook) {
  switch (hook) {
    case Hook::order_sign: return "order-sign";
    case Hook::order_select: return "order-select";
    case Hook::order_dispatch: return "order-dispatch";
    case Hook::appointment_book: return "appointment-book";
  }
  return "order-sign";
}

std::optional<Hook> hook_named(std::string_view name) {
  for (Hook h : every_hook)
    if (name == hook_name(h)) return h;
  return std::nullopt;
}

const std::vector<PrefetchKey>& prefetch_keys(Hook hook) {
  static const std::vector<PrefetchKey> dispatch = dispatch_keys();
  return hook == Hook::order_dispatch ? dispatch : order_keys;
}

std::variant<HookRequest, HookProblem> read_hook_request(std::string_view text, Hook service,
                                                         fhir::JsonTreeParser* parser) {
  HookRequest out;
  Reader reader(text, out, parser);
  if (auto problem = reader.read(service)) return std::move(*problem);
  return out;
}

std::optional<std::size_t> folded_into(const HookRequest& request, std::size_t order) {
  for (const std::string& ref : request.orders[order].based_on)
    for (std::size_t i = 0; i < request.orders.size(); ++i)
      if (i != order && reference_of(request.orders[i]) == ref) return i;
  return std::nullopt;
}

bool order_in_scope(const ResourceText& order) {
  return order.type == "MedicationRequest" || order.type == "ServiceRequest" || order.type == "Appointment";
}

std::string order_bundle(const HookRequest& request, std::size_t order, std::string_view extra,
                         std::vector<BundleEntry>* entries) {
  const ResourceText& o = request.orders[order];
  std::string out = R"({"resourceType":"Bundle","type":"collection","entry":[)";
  bool first = true;
  if (entries) entries->clear();
  auto add = [&](std::string_view json, const ResourceText* from = nullptr) {
    if (!first) out += ',';
    first = false;
    out += "\n{\"resource\":";
    if (entries)
      entries->push_back({static_cast<std::uint32_t>(out.size()), static_cast<std::uint32_t>(json.size()), from});
    out += json;
    out += '}';
  };
  std::string ref = reference_of(o);
  auto books = [&](const ResourceText& r) {
    return o.type == "Appointment" &&
           std::find(o.based_on.begin(), o.based_on.end(), reference_of(r)) != o.based_on.end();
  };
  // An appointment's own service comes from the order it books: that order leads.
  for (const ResourceText& r : request.context)
    if (books(r)) add(r.json, &r);
  add(o.json, &o);
  for (std::size_t i = 0; i < request.orders.size(); ++i) {
    const ResourceText& r = request.orders[i];
    if (i != order && std::find(r.based_on.begin(), r.based_on.end(), ref) != r.based_on.end()) add(r.json, &r);
  }
  for (const ResourceText& r : request.context)
    if (!books(r)) add(r.json, &r);
  if (!extra.empty()) add(extra);
  out += "]}\n";
  return out;
}

}  // namespace covcheck::engine::crd
