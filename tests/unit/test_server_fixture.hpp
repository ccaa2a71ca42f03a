// Test helper for the server's API tests: a Service on an ephemeral loopback port, serving
// from a private copy of the Acme and mandate rules (so reload tests can change them).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "server/service.hpp"

namespace covcheck::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A fresh directory holding copies of rules/acme and rules/mandates.
inline std::filesystem::path copy_rules(const std::string& tag) {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() /
                 ("covcheck-server-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(fs::path(COVCHECK_SOURCE_DIR) / "rules/acme", dir / "acme", fs::copy_options::recursive);
  fs::copy(fs::path(COVCHECK_SOURCE_DIR) / "rules/mandates", dir / "mandates", fs::copy_options::recursive);
  // Test suites and cases are not rules.
  fs::remove_all(dir / "acme/tests");
  fs::remove_all(dir / "acme/cases");
  return dir;
}

class TestServer {
 public:
  explicit TestServer(server::ServiceOptions options, const std::string& tag = "api")
      : rules_dir_(copy_rules(tag)), log_(&log_text_), service_(with_rules(std::move(options)), log_) {
    server::ReloadResult first = service_.load();
    if (!first.ok) throw std::runtime_error("rules did not load: " + first.diagnostics);
    port_ = service_.bind();
    if (port_ <= 0) throw std::runtime_error("cannot bind a loopback port");
    thread_ = std::thread([this] { service_.listen(); });
  }
  ~TestServer() {
    stop();
    std::filesystem::remove_all(rules_dir_);
  }
  void stop() {
    if (!thread_.joinable()) return;
    service_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }
  server::Service& service() { return service_; }
  const std::filesystem::path& rules_dir() const { return rules_dir_; }
  // Stops the server, then returns everything it logged.
  std::string stop_and_read_log() {
    stop();
    return log_text_.str();
  }

 private:
  server::ServiceOptions with_rules(server::ServiceOptions options) const {
    // A server of a rule bundle (test_bundle.cpp) serves that instead of the copied rules.
    if (options.bundle.empty()) options.rules = {(rules_dir_ / "acme").string(), (rules_dir_ / "mandates").string()};
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 8;
    return options;
  }

  std::filesystem::path rules_dir_;
  std::ostringstream log_text_;
  server::AccessLog log_;
  server::Service service_;
  int port_ = -1;
  std::thread thread_;
};

// A raw TCP connection to the test server, for what httplib::Client will not send; with
// `receive_timeout_s`, a blocking recv gives up after that many seconds.
inline int connect_loopback(int port, int receive_timeout_s = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  if (receive_timeout_s > 0) {
    timeval tv{receive_timeout_s, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  return fd;
}

inline std::string case_text(const std::string& name) {
  return read_text(std::filesystem::path(COVCHECK_SOURCE_DIR) / "rules/acme/cases" / (name + ".yaml"));
}

}  // namespace covcheck::testing
