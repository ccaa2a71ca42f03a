// libFuzzer target: the server's request handling (server/case_routes.cpp and what it calls)
// for POST /v1/check and POST /v1/batch with an arbitrary body, content type and query
// string. The handlers are private to server::Service and only reachable through httplib, so
// the real Service serves the Acme reference rules on a loopback port, started once per
// process, and one keep-alive client sends every input. Aborts when the server does not
// answer, answers a status outside its contract, or answers anything but JSON; when a 200
// answers an `application/json` case that is not strict JSON; or when a batch answer does
// not have one line per non-blank record line, error records naming their line.
#include <simdjson.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>

#include "server/service.hpp"

using namespace covcheck;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_server: %s\n%s\n", what, detail.c_str());
  abort();
}

// The server and the client, for the whole process. Never destroyed: the listening thread
// runs until the process exits.
struct Loopback {
  server::AccessLog log{nullptr};
  std::unique_ptr<server::Service> service;
  std::unique_ptr<httplib::Client> client;
};

Loopback& loopback() {
  static Loopback* l = [] {
    auto* made = new Loopback;
    server::ServiceOptions options;
    std::string root = COVCHECK_SOURCE_DIR;
    options.rules = {root + "/rules/acme", root + "/rules/mandates"};
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 4;
    made->service = std::make_unique<server::Service>(options, made->log);
    server::ReloadResult first = made->service->load();
    if (!first.ok) fail("the reference rules do not load", first.diagnostics);
    int port = made->service->bind();
    if (port <= 0) fail("cannot bind a loopback port", "");
    std::thread([s = made->service.get()] { s->listen(); }).detach();
    made->client = std::make_unique<httplib::Client>("127.0.0.1", port);
    made->client->set_keep_alive(true);
    made->client->set_tcp_nodelay(true);  // headers and body go out in separate writes
    made->client->set_url_encode(false);  // the query below is encoded already
    made->client->set_read_timeout(15, 0);
    made->client->set_connection_timeout(5, 0);
    return made;
  }();
  return *l;
}

// Takes the bytes up to the next newline (or the end) from `in`.
std::string_view take_line(std::string_view& in) {
  std::size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return line;
}

// Arbitrary bytes as a query string: unreserved bytes, `=` and `&` stay, the rest is %XX,
// so the server's query parsing sees every byte value once decoded.
std::string encode_query(std::string_view raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '=' || c == '&' || c == '_' || c == '-' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string media_type(std::string_view header) {
  std::string out;
  for (char c : header) {
    if (c == ';') break;
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

simdjson::dom::element parse_object(simdjson::dom::parser& parser, std::string_view text, const std::string& context) {
  simdjson::dom::element element;
  if (parser.parse(text.data(), text.size()).get(element) || !element.is_object())
    fail("an answer is not a JSON object", context + "\n" + std::string(text));
  return element;
}

void check_batch_answer(std::string_view body, const httplib::Result& res, simdjson::dom::parser& parser) {
  // Line numbers of the records: non-blank lines, as `covcheck batch` counts them.
  std::vector<std::uint64_t> records;
  std::uint64_t line = 0;
  std::string_view rest = body;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // a byte-order mark is not part of line 1
  while (!rest.empty()) {
    std::string_view l = take_line(rest);
    ++line;
    if (l.find_first_not_of(" \t\r") != std::string_view::npos) records.push_back(line);
  }
  std::string_view out = res->body;
  std::size_t n = 0;
  while (!out.empty()) {
    std::size_t nl = out.find('\n');
    if (nl == std::string_view::npos) fail("a batch answer line has no newline", res->body);
    std::string_view answer = out.substr(0, nl);
    out.remove_prefix(nl + 1);
    simdjson::dom::element e = parse_object(parser, answer, "POST /v1/batch");
    if (n >= records.size()) fail("more batch answer lines than records", res->body);
    std::int64_t at = 0;
    if (!e["line"].get(at) && static_cast<std::uint64_t>(at) != records[n])
      fail("a batch error record names the wrong line",
           std::string(answer) + "\nexpected " + std::to_string(records[n]));
    ++n;
  }
  if (n != records.size())
    fail("batch answer lines differ from records", std::to_string(n) + " vs " + std::to_string(records.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return -1;
  Loopback& l = loopback();
  // Byte 0: the endpoint and the content type; then (for a custom type) the type's line, the
  // query's line and the body.
  static const char* const types[] = {"",
                                      "application/json",
                                      "application/yaml",
                                      "application/x-ndjson",
                                      "text/plain",
                                      "application/json; charset=utf-8",
                                      "text/html"};
  const std::uint8_t control = data[0];
  const bool batch = control & 1;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string type;
  std::size_t choice = (control >> 1) % 8;
  if (choice < 7) {
    type = types[choice];
  } else {
    for (char c : take_line(rest))
      if (c >= 0x20 && c < 0x7f) type += c;  // what a header value can carry
  }
  std::string query = encode_query(take_line(rest));
  std::string_view body = rest;

  std::string path = batch ? "/v1/batch" : "/v1/check";
  if (!query.empty()) path += "?" + query;
  httplib::Headers headers;
  if (!type.empty()) headers.emplace("Content-Type", type);
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.headers = headers;
  req.body = std::string(body);  // httplib adds Content-Length (and text/plain when no type is given)
  httplib::Result res = l.client->send(req);
  if (!res) fail("no answer from the server", path + " (" + httplib::to_string(res.error()) + ")");

  const int status = res->status;
  const std::string context = "POST " + path + " type `" + type + "` -> " + std::to_string(status);
  simdjson::dom::parser parser;
  if (batch && status == 200) {
    check_batch_answer(body, res, parser);
    return 0;
  }
  if (status != 200 && status != 400 && status != 413 && status != 415 && status != 422)
    fail("a status outside the contract", context + "\n" + res->body);
  if (batch && status == 422) fail("a batch answers 200 or a request error", context);
  parse_object(parser, res->body, context);
  if (!batch && status == 200 && media_type(type) == "application/json") {
    // The client said JSON: the server may not have read it as YAML.
    std::string_view json = body;
    if (json.substr(0, 3) == "\xEF\xBB\xBF") json.remove_prefix(3);
    simdjson::dom::element e;
    if (simdjson::padded_string padded(json); parser.parse(padded).get(e))
      fail("a 200 answer to an application/json case that is not strict JSON", std::string(body));
  }
  return 0;
}
