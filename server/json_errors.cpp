// JSON error bodies.
#include "server/json_errors.hpp"

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render_diagnostics.hpp"

namespace covcheck::server {

std::string error_body(std::string_view code, std::string_view message) {
  engine::JsonWriter w(false);
  w.begin_object().member("error", code).member("message", message).end_object();
  return w.str() + "\n";
}

std::string diagnostics_body(std::string_view code, std::string_view message, const dsl::Diagnostics& diagnostics,
                             const dsl::SourceRegistry& sources) {
  engine::JsonWriter w(false);
  w.begin_object().member("error", code).member("message", message).key("diagnostics");
  engine::write_diagnostics(w, diagnostics, sources);
  w.member("text", dsl::render_all(diagnostics, sources)).end_object();
  return w.str() + "\n";
}

}  // namespace covcheck::server
