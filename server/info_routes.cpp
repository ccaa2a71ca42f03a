// The read-only routes: the page and its assets, the policy listing and rule text, the
// schema, health, readiness and metrics. Policy files come from the loaded State's
// SourceRegistry, never from the file system.
#include <algorithm>

#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"
#include "server/json_errors.hpp"
#include "server/service.hpp"
#include "server/web_assets.hpp"

namespace covcheck::server {

void Service::page(const Request& req, Response& res, Exchange&) {
  std::string path = req.path == "/" ? "/index.html" : req.path;
  const auto& assets = web_assets();
  auto it = std::find_if(assets.begin(), assets.end(), [&](const WebAsset& a) { return a.path == path; });
  if (it == assets.end()) {
    res.status = 404;
    res.set_content(error_body("not_found", fmt::format("no route for `{}`", req.path)), json_type);
    return;
  }
  res.status = 200;
  // Nothing on the page may reach outside this server (no CDN, no fonts, no analytics).
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
                 "frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(it->body.data(), it->body.size(), std::string(it->content_type));
}

void Service::policies(const Request&, Response& res, Exchange&) {
  std::shared_ptr<const State> state = state_.get();
  res.status = 200;
  res.set_content(state->policies_json, json_type);
}

void Service::policy_file(const Request& req, Response& res, Exchange&) {
  std::shared_ptr<const State> state = state_.get();
  const std::string id = req.matches[1], version = req.matches[2], path = req.matches[3];
  for (const PolicyEntry& entry : state->policies) {
    if (entry.id != id || entry.version_id != version) continue;
    for (const PolicyFile& file : entry.files) {
      if (file.path != path) continue;
      std::string_view text = state->sources.file(file.file).text();
      res.status = 200;
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("X-Policy-Digest", entry.digest);
      res.set_content(text.data(), text.size(), "text/plain; charset=utf-8");
      return;
    }
    res.status = 404;
    res.set_content(error_body("not_found", fmt::format("`{}` {} has no file `{}`", entry.name, entry.version, path)),
                    json_type);
    return;
  }
  res.status = 404;
  res.set_content(error_body("not_found", fmt::format("no loaded policy or module `{}` version `{}`", id, version)),
                  json_type);
}

void Service::schema(const Request&, Response& res, Exchange&) {
  res.status = 200;
  res.set_content(state_.get()->schema_json, json_type);
}

void Service::payers(const Request&, Response& res, Exchange&) {
  res.status = 200;
  res.set_content(state_.get()->payers_json, json_type);
}

void Service::healthz(const Request&, Response& res, Exchange&) {
  res.status = 200;
  res.set_content("{\"status\":\"ok\"}\n", json_type);
}

void Service::ready(const Request&, Response& res, Exchange&) {
  std::shared_ptr<const State> state = state_.get();
  engine::JsonWriter w(false);
  if (!state || stopping_) {
    res.status = 503;
    w.begin_object().member("error", "not_ready").member("message", state ? "shutting down" : "no rules loaded");
    w.end_object();
  } else {
    res.status = 200;
    w.begin_object().member("status", "ready").member("generation", static_cast<std::int64_t>(state->generation));
    w.member("loaded_at", state->loaded_at);
    write_bundle_value(w.key("bundle"), *state);
    w.key("policies").begin_array();
    for (const PolicyEntry& p : state->policies)
      w.begin_object().member("name", p.name).member("version", p.version).member("digest", p.digest).end_object();
    w.end_array().end_object();
  }
  res.set_content(w.str() + "\n", json_type);
}

void Service::metrics(const Request&, Response& res, Exchange&) {
  std::shared_ptr<const State> state = state_.get();
  res.status = 200;
  res.set_content(metrics_.render(state.get()), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace covcheck::server
