// The CPL language server: LSP 3.17 over JSON-RPC. `Server` handles one message at a time
// and sends through a callback (tests drive it in-process); `run_server` adds the stdio
// loop: a reader thread, and diagnostics published once edits pause for the debounce.
#pragma once

#include <chrono>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "lsp/analysis.hpp"
#include "lsp/documents.hpp"

namespace covcheck::lsp {

using Clock = std::chrono::steady_clock;

struct ServerOptions {
  // Diagnostics are computed once no edit has arrived for this long.
  std::chrono::milliseconds debounce{150};
  // The covcheck binary that runs test suites for the "run tests" code lens (empty: no lens).
  std::string covcheck_path;
};

class Server {
 public:
  Server(ServerOptions options, std::function<void(const std::string&)> send);

  // One message's body (JSON text). Malformed JSON, unknown methods and requests out of
  // order are answered with JSON-RPC errors; nothing throws out of here.
  void handle(const std::string& body, Clock::time_point now = Clock::now());
  // A frame that could not be read (bad header, oversized body): logged to the client.
  void bad_frame(const std::string& problem);
  // Publishes the diagnostics of every document whose debounce ended by `now`.
  void publish_due(Clock::time_point now);
  // When the next diagnostics are due, if any are pending.
  std::optional<Clock::time_point> next_due() const;

  bool exited() const { return exited_; }
  // The process status after `exit`: 0 when `shutdown` came first, else 1.
  int exit_code() const { return shutdown_ ? 0 : 1; }

 private:
  using Json = nlohmann::json;
  void respond(const Json& id, Json result);
  void respond_error(const Json& id, int code, const std::string& message);
  void notify(const std::string& method, Json params);
  void dispatch(const std::string& method, const Json& id, const Json& params, bool is_request, Clock::time_point now);
  Json request(const std::string& method, const Json& params);
  void notification(const std::string& method, const Json& params, Clock::time_point now);
  // The analysis of a document's current text (computed now if an edit is pending).
  const Analysis& analysis(const Document& d);
  void publish(const Document& d);
  Json execute_command(const Json& params);
  // A response from the client to a request of ours (a case picked for "evaluate with case…").
  void client_response(const Json& id, const Json& result);
  void show(int type, const std::string& message, const std::string& log);
  void server_request(const std::string& id, const std::string& method, Json params);

  ServerOptions options_;
  std::function<void(const std::string&)> send_;
  DocumentStore documents_;
  struct State {
    std::unique_ptr<Analysis> current;       // of `version`, or null when stale
    std::unique_ptr<Analysis> last_checked;  // the latest analysis with a checked rule set
    std::optional<Clock::time_point> due;    // diagnostics pending until then
  };
  std::map<std::string, State> states_;
  std::map<std::string, std::string> test_results_;   // by suite folder, for the lenses
  std::map<std::string, std::string> pending_picks_;  // our showMessageRequest id -> document URI
  int server_requests_ = 0;
  bool refresh_lenses_ = false;  // the client supports workspace/codeLens/refresh
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;
};

// Serves `in` -> `out` until `exit` or the end of `in`. Returns the process exit status.
int run_server(std::istream& in, std::ostream& out, ServerOptions options = {});

}  // namespace covcheck::lsp
