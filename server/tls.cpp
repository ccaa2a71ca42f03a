// Loading a TLS server context from PEM files, with OpenSSL's reason when it fails.
#include "server/tls.hpp"

#include <openssl/err.h>

#include <cstring>

#include <fmt/format.h>

namespace covcheck::server {

namespace {

// The reason of the oldest error on OpenSSL's queue ("no such file", "no start line"…),
// and the queue emptied, so that it does not leak into a later connection's diagnosis.
std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text ? text : fmt::format("OpenSSL error {:#x}", code);
    if (ERR_GET_LIB(code) == ERR_LIB_SYS) reason = std::strerror(ERR_GET_REASON(code));
  } else {
    reason = "unknown OpenSSL error";
  }
  ERR_clear_error();
  return reason;
}

}  // namespace

TlsContext load_tls_context(const TlsFiles& files, std::string& error) {
  ERR_clear_error();
  TlsContext ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    error = fmt::format("cannot make a TLS context: {}", openssl_reason());
    return nullptr;
  }
  // TLS 1.0 and 1.1 are deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(),
                      SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // The connection writes from a buffer that may move and grow between retries.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.certificate.c_str()) != 1) {
    error = fmt::format("--tls-cert `{}`: {}", files.certificate, openssl_reason());
    return nullptr;
  }
  // OpenSSL checks here that the key belongs to the certificate ("key values mismatch").
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = fmt::format("--tls-key `{}`: {}", files.key, openssl_reason());
    return nullptr;
  }
  return ctx;
}

}  // namespace covcheck::server
