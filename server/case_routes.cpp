// POST /v1/check, POST /v1/batch and POST /v1/admin/reload: the routes that read a body.
#include <fmt/format.h>

#include "engine/determination.hpp"
#include "server/decide.hpp"
#include "server/json_errors.hpp"
#include "server/request_parsing.hpp"
#include "server/service.hpp"

namespace covcheck::server {

namespace {

bool is_yaml_or_json(const std::string& type) {
  return type.empty() || type == "application/json" || type == "application/yaml" || type == "application/x-yaml" ||
         type == "text/yaml" || type == "text/x-yaml" || type == "text/plain";
}

bool is_json_lines(const std::string& type) {
  return type.empty() || type == "application/x-ndjson" || type == "application/jsonl" ||
         type == "application/x-jsonlines" || type == "application/json-lines" || type == "application/json" ||
         type == "text/plain";
}

// A JSON body must be one object: YAML would accept more, but the client said JSON.
bool looks_like_json_object(const std::string& text) {
  std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  return i < text.size() && text[i] == '{';
}

void fail(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  res.status = status;
  res.set_content(error_body(code, message), json_type);
}

// Reads a body and answers 413 / 400 itself when it cannot be used.
std::optional<std::string> take_body(const httplib::Request& req, const httplib::ContentReader& reader,
                                     std::size_t limit, const char* flag, httplib::Response& res) {
  Body body = read_body(req, reader, limit);
  // httplib refuses a declared length over its own cap (the larger limit) before we read.
  if (body.broken && res.status == 413) body.too_large = true;
  if (body.broken && !body.too_large) {
    fail(res, 400, "bad_request", "the request body ended early or its chunked framing is malformed");
    return std::nullopt;
  }
  if (body.too_large) {
    fail(res, 413, "payload_too_large", fmt::format("the request body is over {} bytes ({})", limit, flag));
    return std::nullopt;
  }
  return std::move(body.text);
}

}  // namespace

void Service::check(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  std::optional<std::string> body = take_body(req, reader, options_.max_body, "--max-body", res);
  if (!body) return;
  std::string type = media_type(req);
  if (!is_yaml_or_json(type))
    return fail(res, 415, "unsupported_media_type",
                fmt::format("a case is application/json or application/yaml, not `{}`", type));
  CaseQuery query;
  if (auto error = parse_case_query(req, query)) return fail(res, 400, "bad_request", error->message);
  if (type == "application/json" && !looks_like_json_object(*body))
    return fail(res, 400, "invalid_case", "a JSON case must be one object");

  std::shared_ptr<const State> state = state_.get();
  Decided decided = decide(*state, std::move(*body), 1, query, true);
  res.status = decided.status;
  res.set_content(std::move(decided.json), json_type);
  x.record.decision = decided.decision ? std::optional<std::string>(engine::decision_name(*decided.decision)) : std::nullopt;
  x.record.case_id = std::move(decided.case_id);
  x.record.policy = std::move(decided.policy);
  decided.decision ? metrics_.record_decision(*decided.decision) : metrics_.record_case_error();
}

namespace {

// A batch in flight: the State it started with, its input and where the output is.
struct BatchJob {
  std::shared_ptr<const State> state;
  std::string input;
  CaseQuery query;
  std::size_t pos = 0;
  std::uint32_t line = 0;
  std::int64_t records = 0;
};

}  // namespace

void Service::batch(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  std::optional<std::string> body = take_body(req, reader, options_.max_batch_body, "--max-batch-body", res);
  if (!body) return;
  std::string type = media_type(req);
  if (!is_json_lines(type))
    return fail(res, 415, "unsupported_media_type",
                fmt::format("a batch is JSON Lines (application/x-ndjson), not `{}`", type));
  CaseQuery query;
  if (auto error = parse_case_query(req, query)) return fail(res, 400, "bad_request", error->message);

  auto job = std::make_shared<BatchJob>();
  job->state = state_.get();
  job->input = std::move(*body);
  job->query = query;
  auto exchange = std::make_shared<Exchange>(std::move(x));
  x.deferred = true;
  res.status = 200;
  // Records are decided as the answer is written, a slice at a time: output is never held
  // whole, and a client that goes away stops the work.
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [this, job](std::size_t, httplib::DataSink& sink) {
        std::string out;
        for (int n = 0; n < 64 && job->pos < job->input.size();) {
          std::size_t end = job->input.find('\n', job->pos);
          if (end == std::string::npos) end = job->input.size();
          std::string line = job->input.substr(job->pos, end - job->pos);
          job->pos = end + 1;
          ++job->line;
          if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines carry no record
          Decided decided = decide(*job->state, std::move(line), job->line, job->query, false);
          decided.decision ? metrics_.record_decision(*decided.decision) : metrics_.record_case_error();
          out += decided.json;
          ++job->records;
          ++n;
        }
        if (!out.empty() && !sink.write(out.data(), out.size())) return false;
        if (job->pos >= job->input.size()) sink.done();
        return true;
      },
      [this, job, exchange](bool success) {
        exchange->record.records = job->records;
        // The status line went out before the records; a client that left is logged as 499.
        finish(*exchange, success ? 200 : 499);
      });
}

void Service::reload(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange&) {
  if (!take_body(req, reader, options_.max_body, "--max-body", res)) return;
  if (!bearer_matches(req, *options_.admin_token)) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"covcheck\"");
    return fail(res, 401, "unauthorized", "POST /v1/admin/reload needs `Authorization: Bearer <admin token>`");
  }
  ReloadResult result = load();
  res.status = result.ok ? 200 : 422;
  res.set_content(result.body, json_type);
}

}  // namespace covcheck::server
