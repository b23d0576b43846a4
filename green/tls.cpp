#include "tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "detail/tls_state.hpp"
#include "net.hpp"

namespace eventlet::green {

using hubs::io;

namespace {

using detail::openssl_reason;
using detail::owned;
using detail::tls_connection;
using detail::tls_context_state;

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
  BIO* bio = BIO_new(detail::green_bio());
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

namespace {

// default_client() is the context of the calls given none: tls_context::client(), made once.
const tls_context& default_client() {
  static const tls_context shared = tls_context::client();
  return shared;
}

// handshake_within() completes the client handshake on `s` within what is left of `timeout`
// since `start`, and returns `s` without a timeout.
tls_socket handshake_within(tls_socket s, double start, std::optional<double> timeout) {
  if (timeout) {
    const double left = *timeout - (hubs::hub::clock() - start);
    if (left <= 0) throw timeout_error("connect_tls: timed out");
    s.set_timeout(left);
  }
  s.handshake();
  s.set_timeout(std::nullopt);
  return s;
}

}  // namespace

tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                       std::optional<double> timeout) {
  return connect_tls(remote, server_hostname, default_client(), timeout);
}

tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                       const tls_context& context, std::optional<double> timeout) {
  check_host_name("connect_tls", *context.state_, server_hostname);
  const double start = hubs::hub::clock();
  return handshake_within(wrap_tls(connect(remote, timeout), context, server_hostname), start,
                          timeout);
}

namespace detail {

tls_socket connect_tls_host(std::string_view host, int port, const tls_context* context,
                            std::optional<double> timeout) {
  const tls_context& c = context ? *context : default_client();
  const std::string name(host);  // an empty one is refused by resolve()
  const double start = hubs::hub::clock();
  return handshake_within(wrap_tls(connect(host, port, timeout), c, name), start, timeout);
}

}  // namespace detail

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
