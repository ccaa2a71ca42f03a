// TLS for the connection loop: loading a certificate and key into an OpenSSL context (TLS
// 1.2 and later only), and the holder through which SIGHUP swaps in a new one for new
// connections. The handshake and the record I/O live in server/connection.*.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <openssl/ssl.h>

namespace covcheck::server {

using TlsContext = std::shared_ptr<SSL_CTX>;

struct TlsFiles {
  std::string certificate;  // PEM: the certificate, then any intermediates
  std::string key;          // PEM: its private key
};

// A server context for `files`, or null with `error` naming the file and OpenSSL's reason.
TlsContext load_tls_context(const TlsFiles& files, std::string& error);

// The context new connections take; a reload replaces it, and a connection keeps the
// context it started with (each SSL holds a reference to its SSL_CTX).
class TlsContextHolder {
 public:
  TlsContext get() const {
    std::lock_guard lock(mutex_);
    return context_;
  }
  void set(TlsContext context) {
    std::lock_guard lock(mutex_);
    context_ = std::move(context);
  }

 private:
  mutable std::mutex mutex_;
  TlsContext context_;
};

}  // namespace covcheck::server
