#include "tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "net.hpp"

namespace eventlet::green {

using hubs::io;

namespace detail {

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

}  // namespace detail

namespace {

using detail::tls_connection;
using detail::tls_context_state;

// At most this much plaintext goes into one send(): one TLS record.
constexpr std::size_t record_size = 16 * 1024;

// A server context's handshake timeout unless set_handshake_timeout() says otherwise, so
// that clients that connect and then say nothing, or trickle bytes, cannot hold a slot of
// serve() for ever. 60 s is nginx's default (ssl_handshake_timeout in its stream module, and
// client_header_timeout, which covers the handshake, in HTTP); Node's is 120 s, Kestrel's
// 10 s. A handshake is two or three round trips: even on a slow, lossy link, where TCP's
// retransmissions back off 1, 2, 4, 8 s, an honest client ends it well within a minute.
constexpr double default_server_handshake_timeout = 60;

// OpenSSL's reason for the oldest error in this thread's queue ("no start line", ...), or
// `fallback` if there is none; empties the queue.
std::string openssl_reason(const char* fallback) {
  const unsigned long code = ERR_peek_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : fallback;
}

struct openssl_free {
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
template <typename T>
using owned = std::unique_ptr<T, openssl_free>;

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

// A server's ALPN choice: the first of its protocols that the client offers, or a fatal
// "no application protocol" alert.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void* state) {
  const std::string& ours = static_cast<tls_context_state*>(state)->alpn;
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(
          &chosen, out_length, reinterpret_cast<const unsigned char*>(ours.data()),
          static_cast<unsigned>(ours.size()), offered, offered_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// Private keys are never encrypted here: no password (and no prompt on the terminal).
int no_password(char*, int, int, void*) { return 0; }

// A new context for `method` with what every context has: TLS 1.2 at least, renegotiation
// refused (as Go does by default; TLS 1.3 has none), idle buffers released, read-ahead.
std::shared_ptr<tls_context_state> new_context(const char* what, const SSL_METHOD* method,
                                               bool server) {
  auto state = std::make_shared<tls_context_state>();
  state->ctx = SSL_CTX_new(method);
  if (!state->ctx) throw tls_error(std::string(what) + ": " + openssl_reason("SSL_CTX_new failed"));
  state->server = server;
  if (server) state->handshake_timeout = default_server_handshake_timeout;
  SSL_CTX_set_min_proto_version(state->ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(state->ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(state->ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_read_ahead(state->ctx, 1);
  return state;
}

// A BIO reading the file `name`, the `kind` file of `what`. Throws std::invalid_argument for
// an empty name, std::system_error if it cannot be opened.
owned<BIO> open_file(const char* what, const std::string& name, const char* kind) {
  if (name.empty())
    throw std::invalid_argument(std::string(what) + ": the " + kind + " file name is empty");
  errno = 0;
  owned<BIO> file(BIO_new_file(name.c_str(), "r"));
  if (!file) {
    const int error = errno ? errno : EIO;
    ERR_clear_error();
    throw std::system_error(
        error, std::generic_category(),
        std::string(what) + ": cannot open the " + kind + " file '" + name + "'");
  }
  return file;
}

// A BIO reading `text`, which must outlive it.
owned<BIO> memory(std::string_view text) {
  owned<BIO> b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!b) throw std::bad_alloc();
  return b;
}

// Reads a certificate chain (the leaf first) from `certs` and a private key from `key`, PEM
// both, checks that they match and installs them in `ctx`: all or nothing. `cert_name` and
// `key_name` say in errors where they came from.
void use_cert_chain(SSL_CTX* ctx, const std::string& what, BIO* certs, const std::string& cert_name,
                    BIO* key, const std::string& key_name) {
  ERR_clear_error();
  owned<X509> leaf(PEM_read_bio_X509_AUX(certs, nullptr, no_password, nullptr));
  if (!leaf)
    throw tls_error(what + ": no certificate in " + cert_name + " (" + openssl_reason("not PEM") +
                    ")");
  owned<STACK_OF(X509)> chain(sk_X509_new_null());
  if (!chain) throw std::bad_alloc();
  while (X509* next = PEM_read_bio_X509(certs, nullptr, no_password, nullptr)) {
    if (!sk_X509_push(chain.get(), next)) {
      X509_free(next);
      throw std::bad_alloc();
    }
  }
  const unsigned long end = ERR_peek_last_error();  // the end of the text: "no start line"
  if (ERR_GET_LIB(end) != ERR_LIB_PEM || ERR_GET_REASON(end) != PEM_R_NO_START_LINE)
    throw tls_error(what + ": a bad certificate in " + cert_name + " (" +
                    openssl_reason("not PEM") + ")");
  ERR_clear_error();
  owned<EVP_PKEY> pkey(PEM_read_bio_PrivateKey(key, nullptr, no_password, nullptr));
  if (!pkey)
    throw tls_error(what + ": no private key in " + key_name + " (" + openssl_reason("not PEM") +
                    "; encrypted keys are not supported)");
  if (X509_check_private_key(leaf.get(), pkey.get()) != 1) {
    ERR_clear_error();
    throw tls_error(what + ": the private key in " + key_name +
                    " does not match the certificate in " + cert_name);
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, pkey.get()) != 1 || SSL_CTX_set1_chain(ctx, chain.get()) != 1)
    throw tls_error(what + ": cannot use the certificate in " + cert_name + " (" +
                    openssl_reason("refused") + ")");
}

void use_cert_files(SSL_CTX* ctx, const char* what, const std::string& cert_file,
                    const std::string& key_file) {
  owned<BIO> certs = open_file(what, cert_file, "certificate");
  owned<BIO> key = open_file(what, key_file, "key");
  use_cert_chain(ctx, what, certs.get(), "'" + cert_file + "'", key.get(), "'" + key_file + "'");
}

// Checks the host name given for a connection on `state`.
void check_host_name(const char* what, const tls_context_state& state, const std::string& host) {
  if (state.server && !host.empty())
    throw std::invalid_argument(std::string(what) +
                                ": server_hostname is for clients, and this is a server context");
  if (!state.server && state.verify && host.empty())
    throw std::invalid_argument(
        std::string(what) +
        ": a client that verifies its server needs server_hostname, the name the server's "
        "certificate must match (set_verify(false) on the context opts out)");
  if (host.find('\0') != std::string::npos)
    throw std::invalid_argument(std::string(what) + ": the host name contains a NUL byte");
}

bool is_ip_address(const std::string& host) {
  unsigned char bytes[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), bytes) == 1 ||
         inet_pton(AF_INET6, host.c_str(), bytes) == 1;
}

}  // namespace

// tls_connection

namespace detail {

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
    fd.wait(what, io::read, until);
  }
}

void tls_connection::flush(const char* what, double until) {
  if (out.empty() || flushing) return;
  flushing = true;
  struct done {
    bool& flag;
    ~done() { flag = false; }
  } on_exit{flushing};
  const auto send_some = [this](int f) { return ::send(f, out.data(), out.size(), MSG_NOSIGNAL); };
  while (!out.empty()) out.erase(0, fd.call(what, io::write, send_some, until));
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

}  // namespace detail

// tls_context

tls_context tls_context::client() {
  auto state = new_context("tls_context::client", TLS_client_method(), false);
  state->verify = true;
  SSL_CTX_set_verify(state->ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_set_default_verify_paths(state->ctx) != 1)
    throw tls_error("tls_context::client: cannot use the system's trust store (" +
                    openssl_reason("unknown") + ")");
  return tls_context(std::move(state));
}

tls_context tls_context::server(const std::string& cert_file, const std::string& key_file) {
  auto state = new_context("tls_context::server", TLS_server_method(), true);
  use_cert_files(state->ctx, "tls_context::server", cert_file, key_file);
  return tls_context(std::move(state));
}

tls_context tls_context::server_from_pem(std::string_view cert_chain_pem,
                                         std::string_view key_pem) {
  auto state = new_context("tls_context::server_from_pem", TLS_server_method(), true);
  use_cert_chain(state->ctx, "tls_context::server_from_pem", memory(cert_chain_pem).get(),
                 "cert_chain_pem", memory(key_pem).get(), "key_pem");
  return tls_context(std::move(state));
}

void tls_context::load_verify_locations(const std::string& ca_file) {
  constexpr const char* what = "tls_context::load_verify_locations";
  open_file(what, ca_file, "CA");  // for a clear error if it cannot be read
  ERR_clear_error();
  if (SSL_CTX_load_verify_file(state_->ctx, ca_file.c_str()) != 1)
    throw tls_error(std::string(what) + ": no CA certificate in '" + ca_file + "' (" +
                    openssl_reason("not PEM") + ")");
}

void tls_context::load_cert_chain(const std::string& cert_file, const std::string& key_file) {
  use_cert_files(state_->ctx, "tls_context::load_cert_chain", cert_file, key_file);
}

void tls_context::set_verify(bool on) {
  state_->verify = on;
  const int mode = !on              ? SSL_VERIFY_NONE
                   : state_->server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                    : SSL_VERIFY_PEER;
  SSL_CTX_set_verify(state_->ctx, mode, nullptr);
}

void tls_context::set_handshake_timeout(std::optional<double> seconds) {
  if (seconds && !(*seconds > 0))
    throw std::invalid_argument(
        "tls_context::set_handshake_timeout: the timeout must be > 0 seconds, or nullopt for "
        "no limit");
  state_->handshake_timeout = seconds && !std::isinf(*seconds) ? seconds : std::nullopt;
}

std::optional<double> tls_context::handshake_timeout() const noexcept {
  return state_->handshake_timeout;
}

void tls_context::set_alpn_protocols(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255)
      throw std::invalid_argument(
          "tls_context::set_alpn_protocols: a protocol name has 1 to 255 bytes (one has " +
          std::to_string(p.size()) + ")");
    wire += static_cast<char>(p.size());
    wire += p;
  }
  if (state_->server) {
    state_->alpn = std::move(wire);
    SSL_CTX_set_alpn_select_cb(state_->ctx, state_->alpn.empty() ? nullptr : select_alpn,
                               state_.get());
  } else if (SSL_CTX_set_alpn_protos(state_->ctx,
                                     reinterpret_cast<const unsigned char*>(wire.data()),
                                     static_cast<unsigned>(wire.size())) != 0) {
    throw tls_error("tls_context::set_alpn_protocols: " + openssl_reason("refused"));
  }
}

// tls_socket

namespace {
// The connection of an tls_socket, or std::system_error(EBADF) naming `what` if it has none.
tls_connection& open_connection(const std::unique_ptr<tls_connection>& c, const char* what) {
  if (!c) os::throw_error(EBADF, what);
  return *c;
}
}  // namespace

tls_socket::tls_socket() noexcept = default;
tls_socket::tls_socket(tls_socket&&) noexcept = default;
tls_socket& tls_socket::operator=(tls_socket&& other) noexcept {
  if (this != &other) {
    close();
    c_ = std::move(other.c_);
  }
  return *this;
}
tls_socket::~tls_socket() { close(); }

tls_socket::tls_socket(socket&& sock, const tls_context& context, const std::string& host) {
  constexpr const char* what = "wrap_tls";
  const tls_context_state& state = *context.state_;
  check_host_name(what, state, host);
  sock.fd_.open(what);
  auto c = std::make_unique<tls_connection>();
  c->context = context.state_;
  c->host = host;
  c->ssl = SSL_new(state.ctx);
  if (!c->ssl) throw tls_error(std::string(what) + ": " + openssl_reason("SSL_new failed"));
  if (state.server) {
    SSL_set_accept_state(c->ssl);
  } else {
    const bool ip = is_ip_address(host);
    if (!host.empty() && !ip && SSL_set_tlsext_host_name(c->ssl, host.c_str()) != 1)
      throw tls_error(std::string(what) + ": cannot send the host name '" + host + "' (" +
                      openssl_reason("refused") + ")");
    if (state.verify) {
      SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host.c_str())
                         : SSL_set1_host(c->ssl, host.c_str());
      if (set != 1)
        throw tls_error(std::string(what) + ": cannot check the host name '" + host + "' (" +
                        openssl_reason("refused") + ")");
    }
    SSL_set_connect_state(c->ssl);
  }
  BIO* bio = BIO_new(green_bio());
  if (!bio) throw tls_error(std::string(what) + ": " + openssl_reason("BIO_new failed"));
  BIO_set_data(bio, c.get());
  SSL_set_bio(c->ssl, bio, bio);  // the SSL owns it now
  c->fd = std::move(sock.fd_);    // last: until here the socket is the caller's
  c_ = std::move(c);
}

void tls_socket::handshake() {
  tls_connection& c = open_connection(c_, "handshake");
  c.handshake(c.fd.deadline());
}

std::string tls_socket::recv(std::size_t max) {
  std::string data(max, '\0');
  data.resize(recv_into(data));
  return data;
}

std::size_t tls_socket::recv_into(std::span<char> buffer) {
  tls_connection& c = open_connection(c_, "recv");
  const double until = c.fd.deadline();
  if (!SSL_is_init_finished(c.ssl)) c.handshake(until);
  if (buffer.empty()) return 0;
  std::size_t got = 0;
  c.run("recv", until, [&] { return SSL_read_ex(c.ssl, buffer.data(), buffer.size(), &got); });
  c.try_flush();  // what reading made OpenSSL write (an alert, a key update)
  return got;
}

std::size_t tls_socket::send(std::string_view data) {
  tls_connection& c = open_connection(c_, "send");
  return c.send_some("send", data, c.fd.deadline());
}

void tls_socket::sendall(std::string_view data) {
  tls_connection& c = open_connection(c_, "sendall");
  const double until = c.fd.deadline();
  do {
    data.remove_prefix(c.send_some("sendall", data, until));
  } while (!data.empty());
}

void tls_socket::shutdown() {
  tls_connection& c = open_connection(c_, "shutdown");
  const double until = c.fd.deadline();
  c.handshake(until);
  if (!(SSL_get_shutdown(c.ssl) & SSL_SENT_SHUTDOWN)) {
    ERR_clear_error();
    const int result = SSL_shutdown(c.ssl);
    if (result < 0) c.fail("shutdown", SSL_get_error(c.ssl, result));
  }
  c.flush("shutdown", until);
}

void tls_socket::close() noexcept {
  if (!c_) return;
  c_->send_close_notify();
  c_->fd.close();
}

int tls_socket::fileno() const noexcept { return c_ ? c_->fd.get() : -1; }

void tls_socket::set_timeout(std::optional<double> seconds) {
  open_connection(c_, "set_timeout").fd.set_timeout(seconds);
}

std::optional<double> tls_socket::timeout() const noexcept {
  return c_ ? c_->fd.timeout() : std::nullopt;
}

std::string tls_socket::version() const {
  if (!c_ || !SSL_is_init_finished(c_->ssl)) return {};
  return SSL_get_version(c_->ssl);
}

std::string tls_socket::selected_alpn() const {
  if (!c_) return {};
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(c_->ssl, &name, &length);
  return name ? std::string(reinterpret_cast<const char*>(name), length) : std::string();
}

std::string tls_socket::server_name() const {
  const char* name = c_ ? SSL_get_servername(c_->ssl, TLSEXT_NAMETYPE_host_name) : nullptr;
  return name ? name : "";
}

std::string tls_socket::peer_subject() const {
  X509* peer = c_ ? SSL_get0_peer_certificate(c_->ssl) : nullptr;
  if (!peer) return {};
  owned<BIO> text(BIO_new(BIO_s_mem()));
  if (!text || X509_NAME_print_ex(text.get(), X509_get_subject_name(peer), 0, XN_FLAG_RFC2253) < 0)
    throw std::bad_alloc();
  char* data = nullptr;
  const long length = BIO_get_mem_data(text.get(), &data);
  return std::string(data, length);
}

// Free functions

tls_socket wrap_tls(socket&& sock, const tls_context& context, const std::string& server_hostname) {
  return tls_socket(std::move(sock), context, server_hostname);
}

tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                       std::optional<double> timeout) {
  static const tls_context shared = tls_context::client();
  return connect_tls(remote, server_hostname, shared, timeout);
}

tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                       const tls_context& context, std::optional<double> timeout) {
  check_host_name("connect_tls", *context.state_, server_hostname);
  const double start = hubs::hub::clock();
  tls_socket s = wrap_tls(connect(remote, timeout), context, server_hostname);
  if (timeout) {
    const double left = *timeout - (hubs::hub::clock() - start);
    if (left <= 0) throw timeout_error("connect_tls: timed out");
    s.set_timeout(left);
  }
  s.handshake();
  s.set_timeout(std::nullopt);
  return s;
}

tls_listener::tls_listener(const address& local, const std::string& cert_file,
                           const std::string& key_file, int backlog)
    : context_(tls_context::server(cert_file, key_file)) {
  socket_ = listen(local, backlog);
}

tls_listener::tls_listener(socket&& listener, tls_context context) : context_(std::move(context)) {
  if (!context_.state_->server)
    throw std::invalid_argument(
        "tls_listener: the context is a client context (make one with tls_context::server())");
  socket_ = std::move(listener);
}

std::pair<tls_socket, address> tls_listener::accept() {
  auto [connection, peer] = socket_.accept();
  return {wrap_tls(std::move(connection), context_), std::move(peer)};
}

void serve(tls_listener& listener, tls_connection_handler handler, std::size_t concurrency) {
  if (!handler) throw std::invalid_argument("serve: the handler is empty");
  serve(
      listener.socket_,
      [context = listener.context_, handler = std::move(handler)](socket connection, address peer) {
        handler(wrap_tls(std::move(connection), context), std::move(peer));
      },
      concurrency);
}

}  // namespace eventlet::green
