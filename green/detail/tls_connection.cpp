// The TLS connection: OpenSSL's calls run until they succeed, waiting in the hub for the fd
// whenever OpenSSL needs more input, and the BIO between OpenSSL and the green fd.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

#include "../../base/scope_exit.hpp"
#include "tls_state.hpp"

namespace eventlet::green::detail {

std::string openssl_reason(const char* fallback) {
  const unsigned long code = ERR_peek_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : fallback;
}

namespace {

// The BIO between OpenSSL and a tls_connection (its data).
int bio_write(BIO* bio, const char* data, int size) {
  static_cast<tls_connection*>(BIO_get_data(bio))->out.append(data, size);
  return size;
}

int bio_read(BIO* bio, char* buffer, int size) {
  tls_connection& c = *static_cast<tls_connection*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(c.fd.get(), buffer, size, 0);
  if (n > 0) return static_cast<int>(n);
  if (n == 0) {
    c.read_eof = true;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
    BIO_set_retry_read(bio);
  else
    c.read_error = errno;
  return -1;
}

long bio_ctrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

}  // namespace

const BIO_METHOD* green_bio() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "green socket");
    if (!m || BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_read(m, bio_read) != 1 ||
        BIO_meth_set_ctrl(m, bio_ctrl) != 1 || BIO_meth_set_create(m, bio_create) != 1)
      throw tls_error("wrap_tls: " + openssl_reason("cannot make a BIO method"));
    return m;
  }();
  return method;
}

void tls_connection::flush(const char* what, double until) {
  if (out.empty() || flushing) return;
  flushing = true;
  const scope_exit done([this] { flushing = false; });
  const auto send_some = [this](int f) { return ::send(f, out.data(), out.size(), MSG_NOSIGNAL); };
  while (!out.empty()) out.erase(0, fd.call(what, hubs::io::write, send_some, until));
  if (out.capacity() > record_size) out.shrink_to_fit();  // idle connections keep no buffer
}

void tls_connection::try_flush() noexcept {
  if (out.empty() || fd.get() < 0) return;
  const ssize_t n = ::send(fd.get(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n > 0) out.erase(0, n);
}

void tls_connection::handshake(double until) {
  if (SSL_is_init_finished(ssl)) return flush("handshake", until);
  if (handshake_started < 0) handshake_started = hubs::hub::clock();
  // The handshake timeout bounds the handshake from its first step, whatever the calls that
  // make it progress; the socket's timeout bounds each call. The earlier deadline applies.
  const std::optional<double> limit = context->handshake_timeout;
  const double deadline = limit ? handshake_started + *limit : -1;
  const bool limited = limit && (until < 0 || deadline <= until);
  const auto expired = [&] {
    failed = true;
    fd.close();
    char text[96];
    std::snprintf(text, sizeof text,
                  "handshake: timed out (not done within the handshake timeout of %g s)", *limit);
    return timeout_error(text);
  };
  // Resumed too late: a call with a timeout of 0 never waits, so nothing else would tell.
  if (limited && hubs::hub::clock() >= deadline) throw expired();
  try {
    if (run("handshake", limited ? deadline : until, [this] { return SSL_do_handshake(ssl); }) ==
        0) {
      failed = true;
      throw tls_error("handshake: the peer closed TLS (close_notify) during the handshake");
    }
    flush("handshake", limited ? deadline : until);
  } catch (const timeout_error& e) {
    if (!limited || e.source() != 0) throw;  // the socket's timeout, or a timeout object's
    throw expired();
  }
}

std::size_t tls_connection::send_some(const char* what, std::string_view data, double until) {
  if (!SSL_is_init_finished(ssl)) handshake(until);
  flush(what, until);  // what an earlier call encrypted goes first
  if (data.empty()) return 0;
  std::size_t sent = 0;
  const std::size_t size = std::min(data.size(), record_size);
  if (run(what, until, [&] { return SSL_write_ex(ssl, data.data(), size, &sent); }) == 0)
    throw tls_error(std::string(what) + ": the peer closed TLS (close_notify)");
  if (fd.nonblocking())
    try_flush();
  else
    flush(what, until);
  return sent;
}

void tls_connection::fail(const char* what, int ssl_error) {
  failed = true;
  try_flush();  // a fatal alert OpenSSL wrote, telling the peer why
  const std::string call = what;
  if (read_error != 0) {
    ERR_clear_error();
    os::throw_error(read_error, what);
  }
  const unsigned long code = ERR_peek_error();
  const bool ssl_reason = ERR_GET_LIB(code) == ERR_LIB_SSL;
  if ((read_eof && (code == 0 || ssl_error == SSL_ERROR_SYSCALL)) ||
      (ssl_reason && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
    ERR_clear_error();
    throw tls_eof_error(call + (SSL_is_init_finished(ssl)
                                    ? ": the peer closed the connection without close_notify "
                                      "(unexpected EOF: what came may be truncated)"
                                    : ": the peer closed the connection during the handshake"));
  }
  std::string reason = openssl_reason("TLS failure");
  if (code == 0) reason += " (SSL_get_error " + std::to_string(ssl_error) + ")";
  if (ssl_reason && ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    const long result = SSL_get_verify_result(ssl);
    reason += ": ";
    reason += X509_verify_cert_error_string(result);
    if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH)
      reason += " (expected '" + host + "')";
  }
  throw tls_error(call + ": " + reason);
}

void tls_connection::send_close_notify() noexcept {
  if (failed || fd.get() < 0 || !SSL_is_init_finished(ssl) ||
      (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN))
    return;
  SSL_shutdown(ssl);
  ERR_clear_error();
  try_flush();
}

}  // namespace eventlet::green::detail
