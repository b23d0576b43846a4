// tls_context: the settings TLS connections share (OpenSSL's SSL_CTX), and the TLS errors.
// See tls.hpp for the connections.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"
#include "address.hpp"

namespace eventlet::green {

// tls_error reports a TLS failure: a handshake refused, a certificate not trusted, a corrupt
// record, a file that holds no certificate or key. The message names the call and gives
// OpenSSL's reason.
class EVENTLET_API tls_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// tls_eof_error is thrown when the peer closes the connection without sending close_notify
// (an unclean EOF: what was received may be truncated). A clean close makes recv() return 0.
class EVENTLET_API tls_eof_error : public tls_error {
 public:
  using tls_error::tls_error;
};

namespace detail {
struct tls_context_state;
struct tls_connection;
}  // namespace detail

class tls_socket;
class tls_listener;

// tls_context: the settings connections share (OpenSSL's SSL_CTX). Copies share one context:
// a setting changed through one applies to all, and to connections made afterwards. Set it up
// before use; it may then be used by several threads.
class EVENTLET_API tls_context {
 public:
  // Copies share the context; so do moves, which copy (no tls_context is ever empty).
  tls_context(const tls_context&) = default;
  tls_context& operator=(const tls_context&) = default;

  // client() makes a client context: the server's certificate is verified against the
  // system's trust store (OpenSSL's default paths; SSL_CERT_FILE and SSL_CERT_DIR override
  // them), and its host name against the name given to wrap_tls(). Reading the trust store
  // takes tens of milliseconds: make one context and share it. Throws tls_error.
  static tls_context client();

  // server() makes a server context with the certificate chain in `cert_file` (PEM: the
  // server's certificate first) and the private key in `key_file` (PEM, not encrypted).
  // Throws std::invalid_argument for an empty file name, std::system_error if a file cannot
  // be opened, tls_error if it holds no certificate or key or the two do not match.
  static tls_context server(const std::string& cert_file, const std::string& key_file);

  // server_from_pem() is server() with the PEM text itself instead of file names. Throws
  // tls_error as server() does.
  static tls_context server_from_pem(std::string_view cert_chain_pem, std::string_view key_pem);

  // load_verify_locations() trusts the CA certificates in `ca_file` (PEM) too, besides the
  // system's. Throws std::invalid_argument for an empty name, std::system_error if it cannot
  // be opened, tls_error if it holds no certificate.
  void load_verify_locations(const std::string& ca_file);

  // load_cert_chain() sets the certificate chain and key this side presents, as server()
  // takes them: a client's certificate, for servers that ask for one. All or nothing: on an
  // error the context is unchanged. Throws as server() does.
  void load_cert_chain(const std::string& cert_file, const std::string& key_file);

  // set_verify() says whether the peer's certificate is verified. A client verifies by
  // default: set_verify(false) accepts any server, with no host name check (insecure: for
  // tests and private networks). A server does not by default: set_verify(true) requires
  // each client to present a certificate issued by a CA of load_verify_locations().
  void set_verify(bool on);

  // set_alpn_protocols() sets the ALPN protocols ("h2", "http/1.1", ...): a client offers
  // them, a server picks the first of its own list that the client offers, and refuses a
  // client that offers only others (RFC 7301: a "no application protocol" alert). An empty
  // list turns ALPN off. Throws std::invalid_argument for a name that is empty or longer
  // than 255 bytes.
  void set_alpn_protocols(const std::vector<std::string>& protocols);

  // set_handshake_timeout() bounds each handshake on this context, from its first step to its
  // end over all the calls that make it progress, by `seconds` (nullopt or infinity: no
  // limit), besides each call's socket timeout: once it passes, the handshake fails with
  // timeout_error and closes the connection. A server context starts with 60 s; a client one
  // with no limit, its handshakes bounded by the socket's timeout (as connect_tls() sets it).
  // It applies to handshakes in progress too. Throws std::invalid_argument unless `seconds`
  // is > 0 (0 would fail every handshake that waits) or nullopt.
  void set_handshake_timeout(std::optional<double> seconds);

  // handshake_timeout() is the limit set_handshake_timeout() set (nullopt: none).
  std::optional<double> handshake_timeout() const noexcept;

 private:
  friend class tls_socket;
  friend class tls_listener;
  friend tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                                const tls_context& context, std::optional<double> timeout);
  explicit tls_context(std::shared_ptr<detail::tls_context_state> state) noexcept
      : state_(std::move(state)) {}

  std::shared_ptr<detail::tls_context_state> state_;
};

}  // namespace eventlet::green
