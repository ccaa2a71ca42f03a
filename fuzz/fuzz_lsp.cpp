// libFuzzer target: the language server's message reader and handler (lsp/jsonrpc.cpp,
// lsp/server.cpp and the features it calls). The input is a byte stream as a client would
// send it; byte 0 bit 0 set means "initialize first" so that the fuzzer reaches the document
// features. Every frame read is handed to the server. Aborts when anything the server sends
// is not a JSON object with `jsonrpc` "2.0", or when a request gets more than one answer.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "lsp/jsonrpc.hpp"
#include "lsp/server.hpp"

using namespace covcheck;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_lsp: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bool initialize_first = data[0] & 1;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  std::vector<nlohmann::json> sent;  // by the message being handled
  lsp::ServerOptions options;
  options.debounce = std::chrono::milliseconds(0);  // no covcheck binary: the fuzzer never starts processes
  lsp::Server server(options, [&](const std::string& body) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("jsonrpc", "") != "2.0") fail("not a JSON-RPC message", body);
    sent.push_back(std::move(j));
  });
  if (initialize_first) server.handle(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}})");
  for (int frames = 0; frames < 64 && !server.exited(); ++frames) {
    lsp::FrameRead f = lsp::read_frame(in);
    if (f.status == lsp::FrameRead::Status::eof) break;
    sent.clear();
    if (f.status != lsp::FrameRead::Status::message) {
      server.bad_frame(f.problem);
      continue;
    }
    server.handle(f.body);
    // A request (a method and a valid id) is answered exactly once; a notification never.
    nlohmann::json in_msg = nlohmann::json::parse(f.body, nullptr, false);
    if (in_msg.is_object() && in_msg.contains("method") && in_msg["method"].is_string() && !server.exited()) {
      std::size_t answers = 0;
      for (const nlohmann::json& m : sent)
        if (m.contains("id") && !m.contains("method")) ++answers;
      bool request = in_msg.contains("id") && (in_msg["id"].is_number_integer() || in_msg["id"].is_string());
      bool bad_id = in_msg.contains("id") && !request;
      if (answers != (request || bad_id ? 1u : 0u)) fail("wrong number of answers", f.body);
      for (const nlohmann::json& m : sent)
        if (request && m.contains("id") && !m.contains("method") && m["id"] != in_msg["id"])
          fail("answer to another id", f.body);
    }
    server.publish_due(lsp::Clock::now());
  }
  return 0;
}
