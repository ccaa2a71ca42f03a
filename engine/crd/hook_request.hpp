// A CDS Hooks 2.0 request (order-sign, order-select, order-dispatch, appointment-book) read
// into the orders it is about and the FHIR resources around them, and each order turned
// into the FHIR Bundle the case readers' `fhir` row reads: the hook adds no mapping of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/cases/fhir/json_tree.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine::crd {

enum class Hook { order_sign, order_select, order_dispatch, appointment_book };

inline constexpr Hook every_hook[] = {Hook::order_sign, Hook::order_select, Hook::order_dispatch,
                                      Hook::appointment_book};
const char* hook_name(Hook hook);
std::optional<Hook> hook_named(std::string_view name);

// One FHIR resource of the request, as JSON text cut from the request body.
struct ResourceText {
  std::string type;  // resourceType
  std::string id;
  std::string_view json;              // the resource's object, verbatim
  std::string path;                   // where it is in the request: `context.draftOrders.entry[1].resource`
  std::uint32_t pos = 0;              // byte offset of the resource in the request
  bool fetched = false;               // fetched from the FHIR server: `json` is not in the request body
  std::vector<std::string> based_on;  // `basedOn` references ("ServiceRequest/x")
  std::string display;                // what it orders, as the EHR words it ("" when it does not)
  // Its members verbatim (`"status": "draft"`), and its extensions with their urls: the
  // system action writes the resource back with the coverage information added.
  std::vector<std::string_view> members;
  std::vector<std::pair<std::string, std::string_view>> extensions;
};

// What the request carries.
struct HookRequest {
  Hook hook = Hook::order_sign;
  std::string hook_instance;
  std::string fhir_server;                  // "" when absent
  std::optional<std::string> access_token;  // fhirAuthorization.access_token
  std::string patient_id;
  std::string user_id;                  // context.userId (`Practitioner/x`)
  std::string dispatched_order;         // order-dispatch: context.order (`ServiceRequest/x`)
  std::vector<std::string> selections;  // order-select: context.selections; empty: every order
  std::vector<ResourceText> orders;     // draft orders, appointments, the dispatched order
  std::vector<ResourceText> context;    // prefetch values and other context resources (bundles whole)
  // Prefetch keys the service needs that the request does not fill (absent or null).
  std::vector<std::string> missing_prefetch;
  std::vector<std::string> absent_prefetch;   // every prefetch key of the service not filled
  std::vector<std::string> active_coverages;  // `Coverage/id` of every active Coverage in the request
};

// A request that cannot be answered: the HTTP status, a `stage.what` code, the message and
// where (a FHIR-style path into the request, and the byte offset).
struct HookProblem {
  int status = 400;
  std::string code;
  std::string message;
  std::string expression;
  std::uint32_t pos = 0;
};

// The prefetch keys the discovery document names (in order), and their query templates.
struct PrefetchKey {
  std::string_view key;
  std::string_view query;
  bool required;  // the case cannot be read without it: 412 when missing and not fetched
};
const std::vector<PrefetchKey>& prefetch_keys(Hook hook);

// Reads the body of `POST /cds-services/{id}` for the service's hook. `parser` (optional) is
// reused from request to request: its buffers cost more to allocate than a request to parse.
// The request keeps views into `text`, never into the parser.
std::variant<HookRequest, HookProblem> read_hook_request(std::string_view text, Hook service,
                                                         fhir::JsonTreeParser* parser = nullptr);

// Whether the service answers for this kind of order: a MedicationRequest, a
// ServiceRequest, or an Appointment (through the ServiceRequest it is based on).
bool order_in_scope(const ResourceText& order);

// The order of the same request this one is based on (the administration of a drug
// order is part of that order: no answer of its own); nullopt for an order of its own.
std::optional<std::size_t> folded_into(const HookRequest& request, std::size_t order);

// The FHIR Bundle (collection) for one order: the order first (so the reader takes it as the
// case's order), the other orders based on it (the administration of a drug order), then
// every context resource. `extra` resources (a QuestionnaireResponse) go last.
// `entries` (optional) receives, per bundle entry, where its resource came from, so that a
// diagnostic about the bundle can name the request's own path and line:col.
struct BundleEntry {
  std::uint32_t offset = 0;  // of the resource in the bundle text
  std::uint32_t length = 0;
  const ResourceText* resource = nullptr;  // null for `extra`
};
std::string order_bundle(const HookRequest& request, std::size_t order, std::string_view extra = {},
                         std::vector<BundleEntry>* entries = nullptr);

// The reference an order's resource is known by: `MedicationRequest/x`.
inline std::string reference_of(const ResourceText& r) { return r.type + "/" + r.id; }

}  // namespace covcheck::engine::crd
