// API tests of the streamed POST /v1/batch: answers leave while the body is still
// arriving, large bodies pass every buffer in order, and limits cut a batch cleanly.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "test_server_fixture.hpp"

using covcheck::testing::connect_loopback;
using covcheck::testing::TestServer;
namespace server = covcheck::server;

namespace {

std::string record(int i) {
  if (i % 97 == 13) return R"({"id":"bad-)" + std::to_string(i) + R"(","patient":{"sex":"nope"}})";
  return R"({"id":"s-)" + std::to_string(i) +
         R"(","date_of_service":"2026-03-02","request":{"service":"esketamine_nasal"},"diagnoses":[{"code":"F33.2","primary":true}]})";
}

std::string records(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += record(i) + "\n";
  return out;
}

// What each answer line names, in order: the case id, or `line N` for an error record.
std::vector<std::string> answer_keys(const std::string& text) {
  // An answer starts {"bundle":null,"case":"id",…; an error record {"bundle":null,"case":…,"line":N,"error":….
  static const std::regex key(R"re(\{"bundle":null,"case":(?:"([^"]*)"|null)(,"line":([0-9]+),"error")?)re");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), key); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[2].matched ? "line " + (*it)[3].str() : (*it)[1].str());
  return out;
}

std::vector<std::string> expected_keys(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(i % 97 == 13 ? "line " + std::to_string(i + 1) : "s-" + std::to_string(i));
  return out;
}

// Answer lines in a raw chunked answer (cheap enough to call on every read).
std::size_t answer_lines(const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = text.find("}\n"); at != std::string::npos; at = text.find("}\n", at + 2)) ++n;
  return n;
}

void send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    sent += static_cast<std::size_t>(n);
  }
}

// Reads into `into` until `done(into)` or the server closes or 10 s pass.
template <typename Done>
void read_until(int fd, std::string& into, Done done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[8192];
  while (!done(into) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    into.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

TEST_CASE("POST /v1/batch answers records while the body is still arriving", "[server][batch]") {
  TestServer ts({}, "stream");
  std::string first = records(0, 200), second = records(200, 400);
  int fd = connect_loopback(ts.port());
  send_all(fd,
           "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n"
           "Content-Length: " +
               std::to_string(first.size() + second.size()) + "\r\n\r\n" + first);
  // Half the body is sent and the request is not complete, yet all its answers come back.
  std::string received;
  read_until(fd, received, [](const std::string& r) { return answer_lines(r) >= 200; });
  CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(answer_keys(received) == expected_keys(0, 200));
  send_all(fd, second);
  read_until(fd, received, [](const std::string& r) { return r.find("\r\n0\r\n\r\n") != std::string::npos; });
  ::close(fd);
  CHECK(answer_keys(received) == expected_keys(0, 400));
  CHECK(received.find("\r\n0\r\n\r\n") != std::string::npos);  // the chunked answer is complete
}

TEST_CASE("a batch larger than every buffer is answered whole, one line per record, in order", "[server][batch]") {
  TestServer ts({}, "large");
  auto client = ts.client();
  // ~170 KB in, ~3 MB out: many times the connection's 16 KiB read buffer, its 64 KiB send
  // threshold and httplib's 4 KiB reads.
  std::string input = records(0, 1200);
  REQUIRE(input.size() > 128 * 1024);
  auto res = client.Post("/v1/batch", input, "application/x-ndjson");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(std::count(res->body.begin(), res->body.end(), '\n') == 1200);
  CHECK(answer_keys(res->body) == expected_keys(0, 1200));

  // The same records sent in small chunks without a length (chunked transfer encoding).
  std::size_t sent = 0;
  auto chunked = client.Post(
      "/v1/batch",
      [&](std::size_t, httplib::DataSink& sink) {
        std::size_t n = std::min<std::size_t>(1000, input.size() - sent);
        sink.write(input.data() + sent, n);
        sent += n;
        if (sent == input.size()) sink.done();
        return true;
      },
      "application/x-ndjson");
  REQUIRE(chunked);
  CHECK(chunked->status == 200);
  CHECK(chunked->body == res->body);
}

TEST_CASE("batch limits: a long record is an error record in place; a body over the limit ends the batch",
          "[server][batch]") {
  server::ServiceOptions options;
  options.max_body = 4096;        // the longest record
  options.max_batch_body = 8192;  // the longest batch
  TestServer ts(options, "limits");
  auto client = ts.client();

  std::string longest = R"({"id":"long","note":")" + std::string(5000, 'x') + R"("})";
  std::string input = record(1) + "\n" + longest + "\n" + record(2);  // the last line has no newline
  auto res = client.Post("/v1/batch", input, "application/x-ndjson");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(answer_keys(res->body) == std::vector<std::string>{"s-1", "line 2", "s-2"});

  // A declared length over the limit is refused before any record is answered.
  auto declared = client.Post("/v1/batch", records(0, 100), "application/x-ndjson");
  REQUIRE(declared);
  CHECK(declared->status == 413);
  CHECK(declared->body.find(R"("error":"payload_too_large")") != std::string::npos);

  // Without a length the limit is found while streaming: the answers so far, then an error
  // line, and the connection closes.
  int fd = connect_loopback(ts.port());
  std::string body = records(0, 100);
  std::string request =
      "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 1000) {
    std::string piece = body.substr(at, 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    request += size + piece + "\r\n";
  }
  request += "0\r\n\r\n";
  send_all(fd, request);
  std::string received;
  read_until(fd, received, [](const std::string&) { return false; });  // until the server closes
  ::close(fd);
  CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
  std::vector<std::string> keys = answer_keys(received);
  CHECK(keys.size() > 10);
  CHECK(keys.size() < 100);
  CHECK(keys == expected_keys(0, static_cast<int>(keys.size())));
  CHECK(received.find(R"({"error":"payload_too_large")") != std::string::npos);
  CHECK(received.find("\r\n0\r\n\r\n") != std::string::npos);

  std::string log = ts.stop_and_read_log();
  CHECK(log.find(R"("endpoint":"/v1/batch","status":413)") != std::string::npos);
}
