// POST /v1/check, POST /v1/batch and POST /v1/admin/reload: the routes that read a body.
#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/answer/determination.hpp"
#include "engine/answer/render.hpp"
#include "engine/audit/audit_record.hpp"
#include "engine/batch/batch_record.hpp"
#include "engine/session/compare.hpp"
#include "engine/session/session.hpp"
#include "server/json_errors.hpp"
#include "server/request_parsing.hpp"
#include "server/service.hpp"

namespace covcheck::server {

namespace {

bool is_case_type(const std::string& type) {
  return type.empty() || type == "application/json" || type == "application/fhir+json" || type == "application/yaml" ||
         type == "application/x-yaml" || type == "text/yaml" || type == "text/x-yaml" || type == "text/plain";
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

// A case body's media type and shape, as /v1/check and /v1/compare accept them; false
// once it answered 415 or 400.
bool accept_case_body(const std::string& type, const std::string& body, httplib::Response& res) {
  if (!is_case_type(type)) {
    fail(res, 415, "unsupported_media_type",
         fmt::format("a case is application/json, application/fhir+json or application/yaml, not `{}`", type));
    return false;
  }
  if ((type == "application/json" || type == "application/fhir+json") && !looks_like_json_object(body)) {
    fail(res, 400, "invalid_case", "a JSON case must be one object");
    return false;
  }
  return true;
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

bool Service::refuse_undecided(const engine::CaseOutcome& outcome, const engine::DecisionSession& session,
                               Response& res, Exchange& x) {
  if (outcome.determination) return false;
  const char* code = outcome.undecidable ? "undecidable" : "invalid_case";
  std::string message = outcome.undecidable
                            ? "the case cannot be decided by the loaded rules"
                            : fmt::format("the case has {} error(s)", outcome.diagnostics.error_count());
  res.status = outcome.undecidable ? 422 : 400;
  res.set_content(diagnostics_body(code, message, outcome.diagnostics, session.sources()), json_type);
  if (outcome.case_id) x.record.case_id = *outcome.case_id;
  metrics_.record_case_error();
  return true;
}

void Service::check(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  std::optional<std::string> body = take_body(req, reader, options_.max_body, "--max-body", res);
  if (!body) return;
  std::string type = media_type(req);
  if (!accept_case_body(type, *body, res)) return;
  CaseQuery query;
  if (auto error = parse_case_query(req, query)) return fail(res, 400, "bad_request", error->message);

  std::shared_ptr<const State> state = state_.get();
  SessionShelf::Lease session = state->sessions->lend();
  engine::CaseInput input;
  input.text = *body;
  input.name = "request";
  // application/json is strict JSON, as a `.json` case file is (a FHIR bundle sent as
  // application/json is still FHIR: the FHIR reader refines JSON); application/fhir+json is FHIR.
  input.media_type = type;
  engine::SessionOptions options;
  options.as_of = query.as_of;
  options.trace = query.trace;  // `missing` is derived either way
  options.trace_elements = query.trace_elements;
  engine::CaseOutcome& outcome = session->decide(input, options);
  if (refuse_undecided(outcome, *session, res, x)) return;
  // The access log and metrics read the determination, never the rendered answer.
  const engine::Determination& d = *outcome.determination;
  std::string answer;
  engine::render_json_line(d, session->sources(), query.trace, answer);
  stamp_bundle(answer, 0, *state);
  res.status = 200;
  res.set_content(std::move(answer), json_type);
  x.record.decision = engine::decision_name(d.decision);
  x.record.case_id = d.case_id;
  if (options_.audit)
    audit(engine::make_audit_record(audit_context(x, query.as_of), d, session->last_case(), session->program()));
  for (const engine::PolicyRef& p : d.policies) {
    if (p.kind != "policy") continue;
    x.record.policy = fmt::format("{}@{} {}", p.name, p.version, p.digest);
    break;
  }
  metrics_.record_decision(d.decision);
}

// One case, every payer of the loaded registry (or `?payers=`), side by side: the body of
// `covcheck compare --rules DIR --format json`.
void Service::compare(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  std::optional<std::string> body = take_body(req, reader, options_.max_body, "--max-body", res);
  if (!body) return;
  std::string type = media_type(req);
  if (!accept_case_body(type, *body, res)) return;
  CaseQuery query;
  if (auto error = parse_case_query(req, query, true)) return fail(res, 400, "bad_request", error->message);
  std::shared_ptr<const State> state = state_.get();
  if (!state->rules.registry)
    return fail(res, 404, "no_registry",
                "the server was started without a payer registry (`--rules DIR` with DIR/payers.yaml)");
  std::string error;
  auto entries = engine::choose_payers(*state->rules.registry, query.payers, error);
  if (!entries) return fail(res, 400, "unknown_payer", error);
  SessionShelf::Lease session = state->sessions->lend();
  engine::CaseInput input;
  input.text = *body;
  input.name = "request";
  input.media_type = type;
  engine::SessionOptions options;
  options.as_of = query.as_of;
  dsl::Diagnostics diagnostics;
  auto rows = engine::compare_payers(*session, *entries, input, options, diagnostics);
  if (!rows) {
    res.status = 400;
    res.set_content(diagnostics_body("invalid_case", fmt::format("the case has {} error(s)", diagnostics.error_count()),
                                     diagnostics, session->sources()),
                    json_type);
    metrics_.record_case_error();
    return;
  }
  res.status = 200;
  std::string answer = engine::render_compare_json(*rows);
  stamp_bundle(answer, 0, *state);
  res.set_content(std::move(answer), json_type);
  if (options_.audit) {
    // One record per payer's decision, `<request id>/<entry>`; every row read the same case.
    engine::AuditContext context = audit_context(x, query.as_of);
    for (const engine::CompareRow& row : *rows) {
      if (!row.determination) continue;
      context.answer_id = fmt::format("{}/{}", x.record.request_id, row.name);
      audit(engine::make_audit_record(context, *row.determination, session->last_case(), session->program()));
    }
  }
  x.record.case_id =
      rows->empty() || !rows->front().determination ? std::nullopt : rows->front().determination->case_id;
}

// One case's printable summary (`covcheck check --format html`), as text/html. The body is
// a case as for /v1/check, or a form post (`application/x-www-form-urlencoded`, fields `case`
// and `as_of`): the page opens the summary in a new tab by posting a form. The document is
// self-contained and escaped; its own policy allows only its inline stylesheet.
void Service::summary(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  std::optional<std::string> body = take_body(req, reader, options_.max_body, "--max-body", res);
  if (!body) return;
  std::string type = media_type(req);
  CaseQuery query;
  std::string case_text = std::move(*body);
  std::string case_type = type;
  if (type == "application/x-www-form-urlencoded") {
    httplib::Params form;
    httplib::detail::parse_query_text(case_text, form);
    auto c = form.find("case");
    if (c == form.end()) return fail(res, 400, "bad_request", "the form has no `case` field");
    auto as_of = form.find("as_of");
    if (as_of != form.end() && !as_of->second.empty()) {
      query.as_of = dsl::parse_iso_date(as_of->second);
      if (!query.as_of) return fail(res, 400, "bad_request", fmt::format("as_of: `{}` is not a date", as_of->second));
    }
    case_text = c->second;
    case_type = looks_like_json_object(case_text) ? "application/json" : "application/yaml";
  } else {
    if (!accept_case_body(type, case_text, res)) return;
    if (auto error = parse_case_query(req, query)) return fail(res, 400, "bad_request", error->message);
  }
  std::shared_ptr<const State> state = state_.get();
  SessionShelf::Lease session = state->sessions->lend();
  engine::CaseInput input;
  input.text = case_text;
  input.name = "request";
  input.media_type = case_type;
  engine::SessionOptions options;
  options.as_of = query.as_of;
  options.case_facts = true;
  engine::CaseOutcome& outcome = session->decide(input, options);
  if (refuse_undecided(outcome, *session, res, x)) return;
  const engine::Determination& d = *outcome.determination;
  res.status = 200;
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(engine::render_html(d, session->sources()), "text/html; charset=utf-8");
  x.record.decision = engine::decision_name(d.decision);
  x.record.case_id = d.case_id;
  metrics_.record_decision(d.decision);
}

namespace {

// A batch in flight: the State it started with, the request body's reader and the record
// being cut from it. Records go through the batch engine's RecordProcessor, so lines (and
// error records) are those of `covcheck batch`.
struct BatchJob {
  std::shared_ptr<const State> state;
  std::optional<httplib::ContentReader> reader;  // the body, read while the answer is written
  bool has_body = false;
  std::size_t max_body = 0;      // --max-batch-body
  std::size_t max_record = 0;    // --max-body: a longer line is an error record
  engine::BatchOptions options;  // before `processor`, which keeps a reference to it
  std::unique_ptr<engine::RecordProcessor> processor;
  std::string record;          // the line being received
  bool oversized = false;      // the current line passed max_record: skip to its end
  std::uint64_t line = 0;      // lines started so far
  std::uint64_t received = 0;  // body bytes
  std::string out;             // answers not yet handed to the sink
  engine::RecordTally tally;
  int failure = 0;  // 0, or the status logged for a batch cut short
};

// Takes the line in job.record (without its newline), answers it into job.out.
void batch_record(BatchJob& job, Metrics& metrics) {
  ++job.line;
  std::size_t answer = job.out.size();
  if (job.oversized) {
    job.processor->oversized(job.line, job.out, job.tally);
    stamp_bundle(job.out, answer, *job.state);
    metrics.record_case_error();
    job.oversized = false;
    job.record.clear();
    return;
  }
  std::string& r = job.record;
  if (job.line == 1 && r.compare(0, 3, "\xEF\xBB\xBF") == 0) r.erase(0, 3);  // a byte-order mark is not part of line 1
  if (r.find_first_not_of(" \t\r") == std::string::npos) {                   // blank lines carry no record
    r.clear();
    return;
  }
  engine::RecordTally before = job.tally;
  job.processor->process(r, job.line, job.out, job.tally);
  stamp_bundle(job.out, answer, *job.state);
  if (job.tally.errors != before.errors) metrics.record_case_error();
  for (std::size_t d = 0; d < before.by_decision.size(); ++d)
    if (job.tally.by_decision[d] != before.by_decision[d]) metrics.record_decision(static_cast<engine::Decision>(d));
  r.clear();
}

}  // namespace

void Service::batch(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  std::string type = media_type(req);
  CaseQuery query;
  std::optional<QueryError> query_error = parse_case_query(req, query);
  bool declared_too_large = req.has_header("Content-Length") &&
                            req.get_header_value<std::uint64_t>("Content-Length") > options_.max_batch_body;
  // Answers that come before any record: the body is read (and dropped) first, so that the
  // connection can carry the next request.
  if (!is_json_lines(type) || query_error || declared_too_large) {
    if (!take_body(req, reader, options_.max_batch_body, "--max-batch-body", res)) return;
    if (!is_json_lines(type))
      return fail(res, 415, "unsupported_media_type",
                  fmt::format("a batch is JSON Lines (application/x-ndjson), not `{}`", type));
    return fail(res, 400, "bad_request", query_error->message);
  }

  auto job = std::make_shared<BatchJob>();
  job->state = state_.get();
  job->reader.emplace(reader);
  job->has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
  job->max_body = options_.max_batch_body;
  job->max_record = options_.max_body;
  job->options.format = engine::InputFormat::jsonl;
  job->options.mode = query.trace ? engine::OutputMode::trace : engine::OutputMode::full;
  job->options.as_of = query.as_of;
  job->options.trace_elements = query.trace_elements;
  job->options.input_name = "request";
  job->options.audit = options_.audit;  // each record's answer id is `<request id>:<line>`
  job->options.audit_context = audit_context(x, query.as_of);
  job->processor = std::make_unique<engine::RecordProcessor>(job->state->rules, job->state->sources, job->options);
  auto exchange = std::make_shared<Exchange>(std::move(x));
  x.deferred = true;
  res.status = 200;
  // The body is read here, after the status line: each record is decided as soon as its
  // line has arrived and its answer is sent on, so neither the input nor the output is ever
  // held whole (one line and a few answers at a time), and a client that goes away stops
  // the work. The connection sends answers whenever it waits for more of the body.
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [this, job](std::size_t, httplib::DataSink& sink) {
        auto hand_over = [&] {
          if (job->out.empty()) return true;
          bool ok = sink.write(job->out.data(), job->out.size());
          job->out.clear();
          if (!ok) job->failure = 499;
          return ok;
        };
        bool read = !job->has_body || (*job->reader)([&](const char* data, std::size_t size) {
          job->received += size;
          if (job->received > job->max_body) {
            job->failure = 413;
            return false;
          }
          std::string_view chunk(data, size);
          while (!chunk.empty()) {
            std::size_t nl = chunk.find('\n');
            std::string_view piece = chunk.substr(0, nl);
            if (!job->oversized) {
              if (job->record.size() + piece.size() > job->max_record) {
                job->oversized = true;
                job->record.clear();
              } else {
                job->record.append(piece);
              }
            }
            if (nl == std::string_view::npos) break;
            batch_record(*job, metrics_);
            chunk.remove_prefix(nl + 1);
          }
          return hand_over();
        });
        if (read) {
          if (!job->record.empty() || job->oversized) batch_record(*job, metrics_);  // a last line without its newline
          if (!hand_over()) return false;
          sink.done();
          return true;
        }
        if (job->failure == 0) job->failure = 400;  // the body broke off or its framing is malformed
        if (job->failure != 499) {
          // The status line has gone out: the error is the answer's last line, and the
          // connection closes, since the rest of the body was not read.
          job->out += job->failure == 413
                          ? error_body("payload_too_large", fmt::format("the request body is over {} bytes "
                                                                        "(--max-batch-body); the batch stops here",
                                                                        job->max_body))
                          : error_body("bad_request",
                                       "the request body ended early or its chunked framing is "
                                       "malformed; the batch stops here");
          job->out += '\n';
          if (hand_over()) sink.done();
        }
        return false;
      },
      [this, job, exchange](bool success) {
        exchange->record.records = static_cast<std::int64_t>(job->tally.records);
        // The status line went out before the records; a batch cut short is logged with
        // why (413, 400), a client that left as 499.
        finish(*exchange, job->failure != 0 ? job->failure : success ? 200 : 499);
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
