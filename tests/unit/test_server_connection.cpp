// Tests of the server's connection handling (server/front_stage.hpp, server/connection.hpp):
// requests sent back to back on one connection, answers gathered into one send, and a prompt
// stop with idle clients.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "test_server_fixture.hpp"

using covcheck::testing::case_text;
using covcheck::testing::connect_loopback;
using covcheck::testing::TestServer;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Reads until `out` contains `until`, the server closes, or 10 s pass.
std::string read_answers(int fd, const std::string& until) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[8192];
  while (until.empty() || out.find(until) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

}  // namespace

TEST_CASE("requests sent back to back on one connection are all answered, in order", "[server]") {
  TestServer ts({}, "pipeline");
  std::string body = case_text("esk-covered");
  std::string check = "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nX-Request-Id: second\r\n\r\n" + body;
  // Three requests in one write: the bytes of the later ones arrive with the first.
  std::string requests = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n" + check +
                         "GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-Id: third\r\nConnection: close\r\n\r\n";
  int fd = connect_loopback(ts.port());
  REQUIRE(::send(fd, requests.data(), requests.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(requests.size()));
  std::string answers = read_answers(fd, "");  // the last request closes the connection
  ::close(fd);
  CHECK(count(answers, "HTTP/1.1 200 OK") == 3);
  std::size_t first = answers.find("X-Request-Id: first");
  std::size_t second = answers.find("X-Request-Id: second");
  std::size_t third = answers.find("X-Request-Id: third");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  REQUIRE(third != std::string::npos);
  CHECK(first < second);
  CHECK(second < third);
  CHECK(answers.find(R"("decision":"covered")") != std::string::npos);
}

TEST_CASE("a server with idle keep-alive clients stops promptly", "[server]") {
  TestServer ts({}, "stop");
  int fd = connect_loopback(ts.port());
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  CHECK(read_answers(fd, R"("status":"ok")").find("HTTP/1.1 200 OK") == 0);
  // The connection stays open and idle; stopping must not wait out the keep-alive timeout (5 s).
  auto start = std::chrono::steady_clock::now();
  ts.stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  ::close(fd);
}
