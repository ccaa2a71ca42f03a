// Tests of the connection loop's parts (server/request_shape.hpp, server/client_limits.hpp)
// and of the loop itself: a slow client holds no worker, a head that never ends is closed at
// its deadline, a refused request on a kept-alive connection leaves it usable.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "server/client_limits.hpp"
#include "server/request_shape.hpp"
#include "test_server_fixture.hpp"

using covcheck::server::ClientAddress;
using covcheck::server::ClientLimitOptions;
using covcheck::server::ClientLimits;
using covcheck::server::RequestShape;
using covcheck::server::scan_request;
using covcheck::testing::connect_loopback;
using covcheck::testing::TestServer;
using Progress = RequestShape::Progress;

namespace {

constexpr std::size_t kept = 1024, head_limit = 4096;

// Reads until `until` has arrived, the peer closes, or `wait` passes.
std::string read_for(int fd, const std::string& until, std::chrono::milliseconds wait) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + wait;
  char buf[8192];
  while (until.empty() || out.find(until) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

void send_text(int fd, const std::string& text) {
  REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
}

}  // namespace

TEST_CASE("scan_request tells a whole request from a part of one", "[server][front]") {
  CHECK(scan_request("GET /healthz HTTP/1.1\r\nHost: x\r\n", kept, head_limit).progress == Progress::head_pending);
  RequestShape get = scan_request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /", kept, head_limit);
  CHECK(get.progress == Progress::ready);
  CHECK(get.total_size == 34);  // the next request's start is not part of it
  CHECK(get.probe);
  CHECK_FALSE(scan_request("GET /v1/policies HTTP/1.1\r\n\r\n", kept, head_limit).probe);

  std::string post = "POST /v1/check HTTP/1.1\r\ncontent-LENGTH:  5\r\n\r\n";
  RequestShape partial = scan_request(post + "id:", kept, head_limit);
  CHECK(partial.progress == Progress::body_pending);
  CHECK(partial.head_size == post.size());
  CHECK(partial.body_size == 5);
  RequestShape whole = scan_request(post + "id: x", kept, head_limit);
  CHECK(whole.progress == Progress::ready);
  CHECK(whole.total_size == post.size() + 5);
  CHECK_FALSE(whole.streamed);
}

TEST_CASE("scan_request hands over at the head what the route reads itself", "[server][front]") {
  // A body over what the loop keeps, /v1/batch, and Expect: 100-continue go to a worker at once.
  RequestShape big = scan_request("POST /v1/check HTTP/1.1\r\nContent-Length: 5000\r\n\r\nab", kept, head_limit);
  CHECK(big.progress == Progress::ready);
  CHECK(big.streamed);
  CHECK(big.total_size == 0);
  RequestShape batch =
      scan_request("POST /v1/batch?trace=true HTTP/1.1\r\nContent-Length: 10\r\n\r\n", kept, head_limit);
  CHECK(batch.progress == Progress::ready);
  CHECK(batch.batch);
  RequestShape expect =
      scan_request("POST /v1/check HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-Continue\r\n\r\n", kept, head_limit);
  CHECK(expect.progress == Progress::ready);
  CHECK(expect.streamed);
  // A length httplib will refuse is httplib's to answer.
  CHECK(scan_request("POST /v1/check HTTP/1.1\r\nContent-Length: x1\r\n\r\n", kept, head_limit).progress ==
        Progress::ready);
  // A head that never ends within the limit.
  CHECK(scan_request(std::string(head_limit, 'a'), kept, head_limit).progress == Progress::head_too_long);
}

TEST_CASE("scan_request follows a chunked body to its end", "[server][front]") {
  std::string head = "POST /v1/check HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(scan_request(head + "5\r\nid: x\r\n", kept, head_limit).progress == Progress::body_pending);
  CHECK(scan_request(head + "5\r\nid: x\r\n0\r\n", kept, head_limit).progress == Progress::body_pending);
  std::string whole = head + "5;ext=1\r\nid: x\r\n3\r\nabc\r\n0\r\n\r\n";
  RequestShape done = scan_request(whole + "GET", kept, head_limit);
  CHECK(done.progress == Progress::ready);
  CHECK(done.total_size == whole.size());
  std::string trailers = head + "1\r\na\r\n0\r\nX-T: 1\r\n\r\n";
  CHECK(scan_request(trailers, kept, head_limit).total_size == trailers.size());
  // Chunks past what the loop keeps: the worker reads the rest (and answers 413).
  RequestShape over = scan_request(head + "800\r\n", kept, head_limit);
  CHECK(over.progress == Progress::ready);
  CHECK(over.streamed);
}

TEST_CASE("client limits: a token bucket per address, and open connections", "[server][front]") {
  ClientLimits limits(ClientLimitOptions{2, 2, 1});
  ClientAddress a, b;
  a.bytes[15] = 2;
  b.bytes[15] = 3;
  auto t0 = std::chrono::steady_clock::now();
  CHECK(limits.admit(a, t0) == 0);
  CHECK(limits.admit(a, t0) == 0);
  CHECK(limits.admit(a, t0) == 1);                                   // the burst is spent: wait a second
  CHECK(limits.admit(b, t0) == 0);                                   // another address has its own bucket
  CHECK(limits.admit(a, t0 + std::chrono::milliseconds(600)) == 0);  // 2 per second: one more after 0.5 s
  CHECK(limits.admit(a, t0 + std::chrono::milliseconds(600)) > 0);
  CHECK(limits.open(a));
  CHECK_FALSE(limits.open(a));
  limits.close(a);
  CHECK(limits.open(a));
  limits.close(a);
  limits.forget_idle(t0 + std::chrono::seconds(10));
  CHECK(limits.admit(a, t0 + std::chrono::seconds(10)) == 0);

  ClientLimits off(ClientLimitOptions{});
  for (int i = 0; i < 1000; ++i) REQUIRE(off.admit(a, t0) == 0);
  CHECK(off.open(a));
  CHECK(off.open(a));
}

TEST_CASE("a slow client holds no worker: one worker still answers others", "[server][front]") {
  covcheck::server::ServiceOptions options;
  options.threads = 1;
  options.header_timeout = std::chrono::milliseconds(400);
  TestServer ts(options, "front-slow");
  // Two slow clients: a head that never ends, and a body that stops half way.
  int slow_head = connect_loopback(ts.port());
  send_text(slow_head, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  int slow_body = connect_loopback(ts.port());
  send_text(slow_body, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nid: ");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto start = std::chrono::steady_clock::now();
  auto res = ts.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300));
  // The head that never ends is closed at its deadline (0.4 s), with a 408.
  std::string closed = read_for(slow_head, "", std::chrono::seconds(3));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
  CHECK(closed.find("408 Request Timeout") != std::string::npos);
  ::close(slow_head);
  ::close(slow_body);
  std::string log = ts.stop_and_read_log();
  CHECK(log.find(R"("event":"listening","file_limit":)") != std::string::npos);
}

TEST_CASE("a request refused for its client's rate leaves the connection usable", "[server][front]") {
  covcheck::server::ServiceOptions options;
  options.client.rate = 1;
  options.client.burst = 1;
  TestServer ts(options, "front-rate");
  int fd = connect_loopback(ts.port());
  // Three pipelined requests: the first is served, the two others are over the rate.
  send_text(fd,
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nid: "
            "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string answers = read_for(fd, "\r\n\r\n{\"error\":\"too_many_requests\"", std::chrono::seconds(3));
  answers += read_for(fd, "too_many_requests\",\"message", std::chrono::milliseconds(300));
  CHECK(answers.find("HTTP/1.1 200 OK") == 0);
  std::size_t refused = answers.find("HTTP/1.1 429 Too Many Requests");
  REQUIRE(refused != std::string::npos);
  CHECK(answers.find("Retry-After: 1\r\n", refused) != std::string::npos);
  CHECK(answers.find("Connection: keep-alive", refused) != std::string::npos);
  // After a second the bucket has a token again, on the same connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  send_text(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string later = read_for(fd, R"({"status":"ok"})", std::chrono::seconds(3));
  CHECK(later.find("HTTP/1.1 200 OK") != std::string::npos);
  ::close(fd);
  ts.stop();
}

TEST_CASE("work in flight past its bound is 503 before its body is read; probes still pass", "[server][front]") {
  covcheck::server::ServiceOptions options;
  options.max_in_flight = 1;
  TestServer ts(options, "front-in-flight");
  // A request whose body is still arriving is in flight from its head on.
  int first = connect_loopback(ts.port());
  send_text(first,
            "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: 6\r\n\r\nid");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int second = connect_loopback(ts.port());
  send_text(second, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nid: x");
  std::string refused = read_for(second, "", std::chrono::seconds(3));  // answered, then closed
  CHECK(refused.find("HTTP/1.1 503 Service Unavailable") == 0);
  CHECK(refused.find("Retry-After: 1\r\n") != std::string::npos);
  CHECK(refused.find("Connection: close") != std::string::npos);
  CHECK(refused.find(R"("error":"overloaded")") != std::string::npos);
  ::close(second);
  auto res = ts.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  // The first request ends (a case with only an id pends); the bound is free again.
  send_text(first, ": x\n");
  std::string answer = read_for(first, R"("decision":"pend")", std::chrono::seconds(3));
  INFO(answer);
  CHECK(answer.find("HTTP/1.1 200 OK") == 0);
  ::close(first);
  auto after = ts.client().Post("/v1/check", covcheck::testing::case_text("esk-covered"), "application/yaml");
  REQUIRE(after);
  CHECK(after->status == 200);
  std::string log = ts.stop_and_read_log();
  CHECK(log.find(R"("event":"load_shed","reason":"in_flight","count":1)") != std::string::npos);
}

TEST_CASE("connections past --max-connections are refused and logged once", "[server][front]") {
  covcheck::server::ServiceOptions options;
  options.max_connections = 2;
  TestServer ts(options, "front-max-conn");
  int a = connect_loopback(ts.port());
  int b = connect_loopback(ts.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 2; ++i) {
    int c = connect_loopback(ts.port());
    std::string refused = read_for(c, "", std::chrono::seconds(3));
    CHECK(refused.find("HTTP/1.1 503 Service Unavailable") == 0);
    ::close(c);
  }
  ::close(a);
  ::close(b);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto res = ts.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  std::string log = ts.stop_and_read_log();
  std::size_t reached = log.find(R"("event":"connection_limit_reached","open":2,"max_connections":2)");
  CHECK(reached != std::string::npos);
  CHECK(log.find("connection_limit_reached", reached + 30) == std::string::npos);
  CHECK(log.find(R"("event":"connection_limit_cleared")") != std::string::npos);
}

TEST_CASE("a /v1/batch body must keep arriving at --max-body per --body-timeout", "[server][front]") {
  covcheck::server::ServiceOptions options;
  options.max_body = 1000;
  options.body_timeout = std::chrono::milliseconds(300);
  TestServer ts(options, "front-batch-rate");
  int fd = connect_loopback(ts.port());
  send_text(
      fd, "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n");
  // 100 bytes a second, never stalling for the read timeout (5 s), far below 1000 per 0.3 s.
  auto start = std::chrono::steady_clock::now();
  std::string answer;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
    ::send(fd, "          ", 10, MSG_NOSIGNAL);
    std::string got = read_for(fd, "", std::chrono::milliseconds(100));
    answer += got;
    pollfd p{fd, POLLIN, 0};
    char byte;
    closed = ::poll(&p, 1, 0) > 0 && ::recv(fd, &byte, 1, MSG_PEEK) == 0;
    if (answer.find("the batch stops here") != std::string::npos) closed = true;
  }
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  INFO(answer);
  CHECK(took < std::chrono::milliseconds(1500));
  CHECK(answer.find("HTTP/1.1 200 OK") == 0);
  CHECK(answer.find(R"("error":"bad_request")") != std::string::npos);
}
