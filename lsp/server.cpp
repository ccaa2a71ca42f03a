// The server's message handling: lifecycle (initialize, shutdown, exit), document sync,
// debounced diagnostics, and dispatch of each request to its feature (lsp/features.hpp).
#include "lsp/server.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "lsp/code_lens.hpp"
#include "lsp/features.hpp"
#include "lsp/jsonrpc.hpp"

namespace covcheck::lsp {

namespace {

// JSON-RPC and LSP error codes.
constexpr int parse_error = -32700;
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
constexpr int invalid_params = -32602;
constexpr int internal_error = -32603;
constexpr int server_not_initialized = -32002;
constexpr int request_failed = -32803;

// A request whose answer is an error rather than a result.
struct RequestError {
  int code;
  std::string message;
};

const Json& member(const Json& j, const char* key) {
  static const Json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

std::string uri_of(const Json& params) {
  const Json& uri = member(member(params, "textDocument"), "uri");
  if (!uri.is_string()) throw RequestError{invalid_params, "`textDocument.uri` must be a string"};
  return uri.get<std::string>();
}

// JSON nested deeper than any LSP message needs is refused before parsing: nested values
// are freed and compared recursively, and a client must not be able to exhaust the stack.
constexpr int max_json_depth = 256;

bool nested_too_deep(const std::string& body) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Json capabilities() {
  return Json{{"positionEncoding", "utf-16"},
              {"textDocumentSync", {{"openClose", true}, {"change", 1}, {"save", false}}},
              {"hoverProvider", true},
              {"definitionProvider", true},
              {"referencesProvider", true},
              {"renameProvider", true},
              {"completionProvider", {{"triggerCharacters", Json::array({".", " ", "{"})}, {"resolveProvider", false}}},
              {"documentFormattingProvider", true},
              {"documentSymbolProvider", true},
              {"foldingRangeProvider", true},
              {"codeActionProvider", {{"codeActionKinds", Json::array({"quickfix"})}}},
              {"codeLensProvider", {{"resolveProvider", false}}},
              {"executeCommandProvider", {{"commands", Json::array({run_tests_command, evaluate_command})}}}};
}

}  // namespace

Server::Server(ServerOptions options, std::function<void(const std::string&)> send)
    : options_(options), send_(std::move(send)) {}

void Server::respond(const Json& id, Json result) {
  send_(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}.dump(-1, ' ', false,
                                                                                 Json::error_handler_t::replace));
}

void Server::respond_error(const Json& id, int code, const std::string& message) {
  send_(Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, Json::error_handler_t::replace));
}

void Server::notify(const std::string& method, Json params) {
  send_(Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}}.dump(
      -1, ' ', false, Json::error_handler_t::replace));
}

void Server::bad_frame(const std::string& problem) {
  notify("window/logMessage", Json{{"type", 1}, {"message", "covcheck lsp: skipped " + problem}});
}

void Server::handle(const std::string& body, Clock::time_point now) {
  if (exited_) return;
  if (nested_too_deep(body)) {
    respond_error(nullptr, invalid_request, fmt::format("the message nests deeper than {} levels", max_json_depth));
    return;
  }
  Json msg = Json::parse(body, nullptr, false);
  if (msg.is_discarded()) {
    respond_error(nullptr, parse_error, "the message is not valid JSON");
    return;
  }
  if (!msg.is_object()) {
    respond_error(nullptr, invalid_request, "a message must be a JSON object");
    return;
  }
  const Json& id = member(msg, "id");
  const Json& method = member(msg, "method");
  bool has_id = msg.contains("id");
  if (has_id && !id.is_number_integer() && !id.is_string()) {
    respond_error(nullptr, invalid_request, "`id` must be an integer or a string");
    return;
  }
  if (!method.is_string()) {
    if (msg.contains("result") || msg.contains("error")) client_response(id, member(msg, "result"));
    else respond_error(id, invalid_request, "`method` must be a string");
    return;
  }
  dispatch(method.get<std::string>(), id, member(msg, "params"), has_id, now);
}

void Server::dispatch(const std::string& method, const Json& id, const Json& params, bool is_request,
                      Clock::time_point now) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!initialized_ && method != "initialize") {
    if (is_request) respond_error(id, server_not_initialized, "the server has not been initialized");
    return;
  }
  if (shutdown_) {
    if (is_request) respond_error(id, invalid_request, "the server is shutting down");
    return;
  }
  try {
    if (is_request) respond(id, request(method, params));
    else notification(method, params, now);
  } catch (const RequestError& e) {
    if (is_request) respond_error(id, e.code, e.message);
  } catch (const Json::exception& e) {
    if (is_request) respond_error(id, invalid_params, fmt::format("invalid params: {}", e.what()));
  } catch (const std::exception& e) {
    if (is_request) respond_error(id, internal_error, fmt::format("internal error: {}", e.what()));
  }
}

const Analysis& Server::analysis(const Document& d) {
  State& s = states_[d.uri];
  if (!s.current) {
    s.current = analyse(d, documents_);
    if (s.current->checked) s.last_checked.reset();  // `current` serves both
  }
  return *s.current;
}

void Server::publish(const Document& d) {
  const Analysis& a = analysis(d);
  notify("textDocument/publishDiagnostics",
         Json{{"uri", d.uri}, {"version", d.version}, {"diagnostics", diagnostics_json(a, d)}});
}

void Server::publish_due(Clock::time_point now) {
  for (auto& [uri, s] : states_) {
    if (!s.due || *s.due > now) continue;
    s.due.reset();
    if (const Document* d = documents_.find(uri)) publish(*d);
  }
}

std::optional<Clock::time_point> Server::next_due() const {
  std::optional<Clock::time_point> next;
  for (const auto& [uri, s] : states_)
    if (s.due && (!next || *s.due < *next)) next = s.due;
  return next;
}

void Server::notification(const std::string& method, const Json& params, Clock::time_point now) {
  if (method == "textDocument/didOpen") {
    const Json& doc = member(params, "textDocument");
    const Json& text = member(doc, "text");
    if (!text.is_string()) throw RequestError{invalid_params, "`textDocument.text` must be a string"};
    const Json& version = member(doc, "version");
    documents_.open(uri_of(params), text.get<std::string>(),
                    version.is_number_integer() ? version.get<std::int64_t>() : 0);
  } else if (method == "textDocument/didChange") {
    Document* d = documents_.find(uri_of(params));
    if (!d) return;
    const Json& changes = member(params, "contentChanges");
    if (!changes.is_array()) throw RequestError{invalid_params, "`contentChanges` must be an array"};
    for (const Json& change : changes) {
      const Json& text = member(change, "text");
      if (!text.is_string()) continue;
      const Json& range = member(change, "range");
      if (range.is_null()) {
        d->text = text.get<std::string>();
      } else {
        // An incremental change (clients may send them even though we ask for full text).
        auto start = position_from_json(member(range, "start"));
        auto end = position_from_json(member(range, "end"));
        if (!start || !end) continue;
        LineIndex lines(d->text);
        std::uint32_t b = lines.offset(*start), e = std::max(b, lines.offset(*end));
        d->text.replace(b, e - b, text.get<std::string>());
      }
    }
    const Json& version = member(member(params, "textDocument"), "version");
    if (version.is_number_integer()) d->version = version.get<std::int64_t>();
  } else if (method == "textDocument/didClose") {
    std::string uri = uri_of(params);
    documents_.close(uri);
    states_.erase(uri);
    notify("textDocument/publishDiagnostics", Json{{"uri", uri}, {"diagnostics", Json::array()}});
    return;
  } else {
    return;  // `initialized`, `$/cancelRequest`, `$/setTrace`, `didSave` and the rest need nothing
  }
  // An open or an edit can change what every open document imports: all are analysed
  // again once edits pause. A newly opened document is shown at once.
  for (const auto& [uri, d] : documents_.all()) {
    State& s = states_[uri];
    if (s.current && s.current->checked) s.last_checked = std::move(s.current);  // completion's names meanwhile
    s.current.reset();
    s.due = method == "textDocument/didOpen" && uri == uri_of(params) ? now : now + options_.debounce;
  }
}

Json Server::request(const std::string& method, const Json& params) {
  if (method == "initialize") {
    if (initialized_) throw RequestError{invalid_request, "`initialize` was already called"};
    initialized_ = true;
    const Json& refresh =
        member(member(member(member(params, "capabilities"), "workspace"), "codeLens"), "refreshSupport");
    refresh_lenses_ = refresh.is_boolean() && refresh.get<bool>();
    return Json{{"capabilities", capabilities()}, {"serverInfo", {{"name", "covcheck"}}}};
  }
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "workspace/executeCommand") return execute_command(params);
  static const char* const document_methods[] = {
      "textDocument/codeLens",   "textDocument/hover",      "textDocument/definition",     "textDocument/references",
      "textDocument/completion", "textDocument/formatting", "textDocument/documentSymbol", "textDocument/foldingRange",
      "textDocument/codeAction", "textDocument/rename"};
  if (std::find(std::begin(document_methods), std::end(document_methods), method) == std::end(document_methods))
    throw RequestError{method_not_found, fmt::format("unknown method `{}`", method)};

  const Document* d = documents_.find(uri_of(params));
  if (!d) throw RequestError{request_failed, "the document is not open"};
  LineIndex lines(d->text);
  auto offset_at = [&]() {
    auto p = position_from_json(member(params, "position"));
    if (!p) throw RequestError{invalid_params, "`position` must be {line, character}"};
    return lines.offset(*p);
  };
  if (method == "textDocument/completion") {
    std::uint32_t offset = offset_at();
    State& s = states_[d->uri];
    return completion(*d, offset, s.current.get(), s.last_checked.get());
  }
  if (method == "textDocument/formatting") {
    std::string error;
    std::optional<Json> edits = formatting(*d, error);
    if (!edits) throw RequestError{request_failed, error};
    return *edits;
  }
  if (method == "textDocument/codeLens")
    return code_lenses(analysis(*d), *d, test_results_, !options_.covcheck_path.empty());
  if (method == "textDocument/documentSymbol") return document_symbols(analysis(*d), *d);
  if (method == "textDocument/foldingRange") return folding_ranges(analysis(*d), *d);
  if (method == "textDocument/codeAction") {
    const Json& range = member(params, "range");
    auto start = position_from_json(member(range, "start"));
    auto end = position_from_json(member(range, "end"));
    if (!start || !end) throw RequestError{invalid_params, "`range` must be {start, end}"};
    return code_actions(analysis(*d), *d, documents_, lines.offset(*start), lines.offset(*end));
  }
  std::uint32_t offset = offset_at();
  const Analysis& a = analysis(*d);
  if (method == "textDocument/hover") return hover(a, offset);
  if (method == "textDocument/definition") return definition(a, offset);
  if (method == "textDocument/rename") {
    const Json& new_name = member(params, "newName");
    if (!new_name.is_string()) throw RequestError{invalid_params, "`newName` must be a string"};
    std::string error;
    std::optional<Json> edit = rename(a, offset, new_name.get<std::string>(), error);
    if (!edit) throw RequestError{request_failed, error};
    return *edit;
  }
  bool with_declaration = member(member(params, "context"), "includeDeclaration").is_boolean() &&
                          member(member(params, "context"), "includeDeclaration").get<bool>();
  return references(a, offset, with_declaration);
}

void Server::show(int type, const std::string& message, const std::string& log) {
  notify("window/showMessage", Json{{"type", type}, {"message", message}});
  if (!log.empty()) notify("window/logMessage", Json{{"type", type}, {"message", log}});
}

void Server::server_request(const std::string& id, const std::string& method, Json params) {
  send_(Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump(
      -1, ' ', false, Json::error_handler_t::replace));
}

Json Server::execute_command(const Json& params) {
  const Json& command = member(params, "command");
  const Json& args = member(params, "arguments");
  if (!command.is_string()) throw RequestError{invalid_params, "`command` must be a string"};
  auto arg = [&](std::size_t i) -> std::optional<std::string> {
    if (!args.is_array() || i >= args.size() || !args[i].is_string()) return std::nullopt;
    return args[i].get<std::string>();
  };
  if (command == run_tests_command) {
    auto suites = arg(0);
    std::error_code ec;
    if (!suites || !std::filesystem::is_directory(*suites, ec))
      throw RequestError{invalid_params, "covcheck.runTests takes the folder of the suites"};
    TestRun run = run_tests(options_.covcheck_path, *suites);
    test_results_[*suites] = (run.status == 0 ? "✓ " : "✗ ") + run.summary;
    show(run.status == 0 ? 3 : 1, "covcheck test: " + run.summary, run.output);
    if (refresh_lenses_)
      server_request(fmt::format("covcheck-{}", ++server_requests_), "workspace/codeLens/refresh", nullptr);
    return Json{{"status", run.status}, {"summary", run.summary}};
  }
  if (command == evaluate_command) {
    auto uri = arg(0);
    const Document* d = uri ? documents_.find(*uri) : nullptr;
    if (!d) throw RequestError{request_failed, "covcheck.evaluate takes the URI of an open document"};
    if (auto case_path = arg(1)) {
      std::string text = evaluate_with_case(*d, documents_, *case_path);
      show(3, text.substr(0, text.find('\n')), text);
      return Json{{"text", text}};
    }
    // Ask which case: the answer comes back as a response to our request.
    std::vector<std::string> cases = case_files(*d);
    if (cases.empty()) throw RequestError{request_failed, "no case files in `cases/` beside the document"};
    Json actions = Json::array();
    for (const std::string& c : cases) actions.push_back(Json{{"title", std::filesystem::path(c).filename().string()}});
    std::string id = fmt::format("covcheck-{}", ++server_requests_);
    pending_picks_[id] = d->uri;
    server_request(id, "window/showMessageRequest",
                   Json{{"type", 3}, {"message", "Evaluate with which case?"}, {"actions", std::move(actions)}});
    return nullptr;
  }
  throw RequestError{invalid_params, fmt::format("unknown command `{}`", command.get<std::string>())};
}

void Server::client_response(const Json& id, const Json& result) {
  if (!id.is_string()) return;
  auto pick = pending_picks_.find(id.get<std::string>());
  if (pick == pending_picks_.end()) return;
  std::string uri = pick->second;
  pending_picks_.erase(pick);
  const Json& title = member(result, "title");
  const Document* d = documents_.find(uri);
  if (!d || !title.is_string()) return;  // dismissed, or the document was closed meanwhile
  for (const std::string& c : case_files(*d)) {
    if (std::filesystem::path(c).filename().string() != title.get<std::string>()) continue;
    std::string text = evaluate_with_case(*d, documents_, c);
    show(3, title.get<std::string>() + ": " + text.substr(0, text.find('\n')), text);
  }
}

int run_server(std::istream& in, std::ostream& out, ServerOptions options) {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<FrameRead> queue;
  bool reader_done = false;
  // std::cin is tied to std::cout: every read would flush `out` from the reader thread while
  // the main thread writes to it. Untied, only the main thread touches `out`.
  std::ostream* tied = in.tie(nullptr);

  // The reader blocks on input; the main thread waits for a message or a debounce deadline.
  std::thread reader([&] {
    for (;;) {
      FrameRead frame = read_frame(in);
      bool last = frame.status == FrameRead::Status::eof;
      if (frame.status == FrameRead::Status::message && frame.body.find("\"exit\"") != std::string::npos) {
        Json j = Json::parse(frame.body, nullptr, false);
        last = j.is_object() && j.contains("method") && j["method"] == "exit";
      }
      std::lock_guard<std::mutex> lock(mutex);
      if (!last || frame.status != FrameRead::Status::eof) queue.push_back(std::move(frame));
      if (last) {
        reader_done = true;
        ready.notify_one();
        return;
      }
      ready.notify_one();
    }
  });

  Server server(options, [&](const std::string& body) { write_frame(out, body); });
  for (;;) {
    server.publish_due(Clock::now());
    std::unique_lock<std::mutex> lock(mutex);
    auto has_work = [&] { return !queue.empty() || reader_done; };
    if (auto due = server.next_due()) ready.wait_until(lock, *due, has_work);
    else ready.wait(lock, has_work);
    if (queue.empty()) {
      if (reader_done) break;
      continue;  // a deadline passed
    }
    FrameRead frame = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    if (frame.status == FrameRead::Status::message) server.handle(frame.body);
    else if (frame.status == FrameRead::Status::bad_frame) server.bad_frame(frame.problem);
    if (server.exited()) break;
  }
  reader.join();
  in.tie(tied);
  return server.exit_code();
}

}  // namespace covcheck::lsp
