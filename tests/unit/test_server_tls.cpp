// Tests of TLS in the connection code (server/tls.hpp, Connection::start_tls): loading a
// certificate and key (OpenSSL's reason on failure, TLS 1.2 as the floor), and a non-blocking
// server handshake and record I/O over a socket pair, against a client in another thread.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "server/connection.hpp"
#include "server/tls.hpp"

using covcheck::server::Connection;
using covcheck::server::load_tls_context;
using covcheck::server::TlsContext;
using covcheck::server::TlsFiles;
namespace fs = std::filesystem;

namespace {

// A self-signed P-256 certificate and its key, as PEM files in a fresh folder.
struct TestCertificate {
  fs::path dir;
  TlsFiles files;
  explicit TestCertificate(const std::string& name) {
    dir = fs::temp_directory_path() / ("covcheck-tls-" + name + "-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    files = {(dir / "cert.pem").string(), (dir / "key.pem").string()};
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), subject);
    X509_set_pubkey(cert.get(), key.get());
    X509_sign(cert.get(), key.get(), EVP_sha256());
    FILE* out = std::fopen(files.certificate.c_str(), "w");
    PEM_write_X509(out, cert.get());
    std::fclose(out);
    out = std::fopen(files.key.c_str(), "w");
    PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
  }
  ~TestCertificate() { fs::remove_all(dir); }
};

// Runs the server side of the handshake the way the connection loop does: step, then wait
// for the direction OpenSSL asked for. Gives up after 5 s.
Connection::Handshake serve_handshake(Connection& server, int fd) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    Connection::Handshake h = server.handshake();
    if (h == Connection::Handshake::done || h == Connection::Handshake::failed) return h;
    if (std::chrono::steady_clock::now() > deadline) return Connection::Handshake::failed;
    pollfd p{fd, static_cast<short>(h == Connection::Handshake::want_read ? POLLIN : POLLOUT), 0};
    ::poll(&p, 1, 100);
  }
}

struct SocketPair {
  int server = -1, client = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    server = fds[0];
    client = fds[1];
    ::fcntl(server, F_SETFL, ::fcntl(server, F_GETFL) | O_NONBLOCK);
    // The client blocks, but never for long: a failed check must not hang the test.
    timeval limit{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  }
  ~SocketPair() {
    ::close(server);
    ::close(client);
  }
};

}  // namespace

TEST_CASE("a certificate or key that cannot be loaded names the file and OpenSSL's reason", "[server][tls]") {
  TestCertificate good("load");
  std::string error;
  CHECK_FALSE(load_tls_context({(good.dir / "none.pem").string(), good.files.key}, error));
  CHECK(error.find("--tls-cert `" + (good.dir / "none.pem").string() + "`: No such file or directory") !=
        std::string::npos);
  {
    FILE* f = std::fopen((good.dir / "garbage.pem").string().c_str(), "w");
    std::fputs("not a key\n", f);
    std::fclose(f);
  }
  CHECK_FALSE(load_tls_context({good.files.certificate, (good.dir / "garbage.pem").string()}, error));
  CHECK(error.find("--tls-key `" + (good.dir / "garbage.pem").string() + "`") != std::string::npos);
  TestCertificate other("other");
  CHECK_FALSE(load_tls_context({good.files.certificate, other.files.key}, error));
  CHECK(error == "--tls-key `" + other.files.key + "`: key values mismatch");

  TlsContext ctx = load_tls_context(good.files, error);
  REQUIRE(ctx);
  CHECK(SSL_CTX_get_min_proto_version(ctx.get()) == TLS1_2_VERSION);
}

TEST_CASE("a connection does the TLS handshake without blocking and reads and writes through it", "[server][tls]") {
  TestCertificate cert("io");
  std::string error;
  TlsContext server_ctx = load_tls_context(cert.files, error);
  REQUIRE(server_ctx);
  SocketPair pair;
  Connection server(pair.server, std::chrono::milliseconds(2000), std::chrono::milliseconds(2000));
  REQUIRE(server.start_tls(server_ctx.get()));
  CHECK(server.tls());

  std::string client_got;
  std::jthread client([&] {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_load_verify_locations(ctx.get(), cert.files.certificate.c_str(), nullptr);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    SSL_set_fd(ssl.get(), pair.client);
    if (SSL_connect(ssl.get()) != 1) return;
    // Two requests in one record, the way a pipelining client sends them.
    std::string requests = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    SSL_write(ssl.get(), requests.data(), static_cast<int>(requests.size()));
    char buf[256];
    while (client_got.size() < 12) {
      int n = SSL_read(ssl.get(), buf, sizeof buf);
      if (n <= 0) break;
      client_got.append(buf, static_cast<std::size_t>(n));
    }
  });
  REQUIRE(serve_handshake(server, pair.server) == Connection::Handshake::done);
  // Both requests arrive decrypted; the record may come after the handshake's last message.
  for (int i = 0; i < 50 && server.buffered().size() < 36; ++i) {
    server.receive(4096);
    if (server.buffered().size() < 36) server.wait_readable(std::chrono::milliseconds(100));
  }
  CHECK(server.buffered() == "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  server.write("HTTP/1.1 200", 12);
  CHECK(server.flush());
  client.join();
  CHECK(client_got == "HTTP/1.1 200");
}

TEST_CASE("a TLS 1.1 client fails the handshake, and so does plain HTTP", "[server][tls]") {
  TestCertificate cert("old");
  std::string error;
  TlsContext server_ctx = load_tls_context(cert.files, error);
  REQUIRE(server_ctx);
  SECTION("TLS 1.1") {
    SocketPair pair;
    Connection server(pair.server, std::chrono::milliseconds(2000), std::chrono::milliseconds(2000));
    REQUIRE(server.start_tls(server_ctx.get()));
    std::jthread client([&] {
      std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
      SSL_CTX_set_security_level(ctx.get(), 0);
      SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx.get(), TLS1_1_VERSION);
      SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT@SECLEVEL=0");
      std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
      SSL_set_fd(ssl.get(), pair.client);
      SSL_connect(ssl.get());
    });
    CHECK(serve_handshake(server, pair.server) == Connection::Handshake::failed);
    client.join();
    CHECK(server.tls_error().find("protocol") != std::string::npos);
  }
  SECTION("plain HTTP") {
    SocketPair pair;
    Connection server(pair.server, std::chrono::milliseconds(2000), std::chrono::milliseconds(2000));
    REQUIRE(server.start_tls(server_ctx.get()));
    std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::send(pair.client, request.data(), request.size(), MSG_NOSIGNAL) > 0);
    CHECK(serve_handshake(server, pair.server) == Connection::Handshake::failed);
    CHECK(server.tls_error() == "http request");
  }
}
