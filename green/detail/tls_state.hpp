// What green/'s TLS files share: the state a tls_context shares with its copies and
// connections, a connection (OpenSSL's state machine over a green fd), and OpenSSL helpers.
// Private to green/.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "../tls.hpp"
#include "descriptor.hpp"

namespace eventlet::green::detail {

// What a tls_context shares with its copies and with the connections made from it.
struct tls_context_state {
  ~tls_context_state() { SSL_CTX_free(ctx); }

  SSL_CTX* ctx = nullptr;
  bool server = false;
  bool verify = false;
  std::optional<double> handshake_timeout;  // nullopt: no limit
  std::string alpn;  // a server's protocols in ALPN's wire format (length-prefixed names)
};

// A TLS connection: OpenSSL's state machine over a green fd. OpenSSL reads the fd through a
// BIO that never blocks (recv(2), reporting EAGAIN as "retry") and writes into `out`, which
// flush() sends; so an OpenSSL call never waits, and only this code waits, in the hub.
struct tls_connection {
  ~tls_connection() { SSL_free(ssl); }

  // Runs `op`, an OpenSSL call returning > 0 on success, until it succeeds, waiting for the
  // fd whenever OpenSSL needs more input; returns its result, or 0 if the peer closed TLS
  // (close_notify). Throws what fail() and wait() throw.
  template <typename Op>
  int run(const char* what, double until, Op op);

  // Sends everything in `out`, waiting as needed (unless another greenthread is at it: it
  // sends our bytes too). Throws std::system_error, timeout_error.
  void flush(const char* what, double until);

  // Sends what the kernel takes of `out` now; errors are left for the next call to find.
  void try_flush() noexcept;

  // Does the handshake if not done, and flushes, by `until` and by the end of the context's
  // handshake timeout counted from the handshake's first step, whichever comes first; when
  // the latter passes, it closes the connection. Throws as run() does.
  void handshake(double until);

  // send() of tls_socket: encrypts one record of `data` and flushes.
  std::size_t send_some(const char* what, std::string_view data, double until);

  // Throws the exception for a failed OpenSSL call whose SSL_get_error() is `ssl_error`.
  [[noreturn]] void fail(const char* what, int ssl_error);

  // Sends close_notify if the connection is sound and it was not sent yet; a no-op else.
  void send_close_notify() noexcept;

  descriptor fd;
  std::shared_ptr<const tls_context_state> context;
  SSL* ssl = nullptr;
  std::string host;       // the name the server's certificate must match (clients)
  std::string out;        // what OpenSSL wrote and the kernel has not taken yet
  int read_error = 0;     // the errno of the BIO's last failed recv(2)
  bool read_eof = false;  // the BIO's recv(2) returned 0
  bool flushing = false;  // a greenthread waits in flush()
  bool failed = false;    // a fatal error: no close_notify
  // When the handshake began, by the hub clock (-1: not yet), for the handshake timeout.
  double handshake_started = -1;
};

template <typename Op>
int tls_connection::run(const char* what, double until, Op op) {
  for (;;) {
    fd.open(what);
    ERR_clear_error();
    read_error = 0;
    const int result = op();
    if (result > 0) return result;
    const int error = SSL_get_error(ssl, result);
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    if (error != SSL_ERROR_WANT_READ) fail(what, error);
    // OpenSSL needs more input. What it wrote goes out before we wait for the answer; then
    // wait (data it has buffered was used already: it asks only when it has none).
    flush(what, until);
    if (fd.nonblocking()) os::throw_error(EAGAIN, what);
    fd.wait(what, hubs::io::read, until);
  }
}

// At most this much plaintext goes into one send(): one TLS record.
inline constexpr std::size_t record_size = 16 * 1024;

// openssl_reason() is OpenSSL's reason for the oldest error in this thread's queue ("no start
// line", ...), or `fallback` if there is none; empties the queue.
std::string openssl_reason(const char* fallback);

struct openssl_free {
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
template <typename T>
using owned = std::unique_ptr<T, openssl_free>;

// green_bio() is the BIO method through which OpenSSL reads a tls_connection's fd and writes
// into its `out` (the BIO's data is the connection). Throws tls_error if OpenSSL cannot make it.
const BIO_METHOD* green_bio();

}  // namespace eventlet::green::detail
