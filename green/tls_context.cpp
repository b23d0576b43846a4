// tls_context: making OpenSSL contexts for clients and servers, reading certificates and keys,
// verification and ALPN settings.
#include <openssl/pem.h>

#include <cerrno>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

#include "../base/errors.hpp"
#include "detail/tls_state.hpp"
#include "tls.hpp"

namespace eventlet::green {

namespace {

using detail::openssl_reason;
using detail::owned;
using detail::tls_context_state;

// A server context's handshake timeout unless set_handshake_timeout() says otherwise, so
// that clients that connect and then say nothing, or trickle bytes, cannot hold a slot of
// serve() for ever. 60 s is nginx's default (ssl_handshake_timeout in its stream module, and
// client_header_timeout, which covers the handshake, in HTTP); Node's is 120 s, Kestrel's
// 10 s. A handshake is two or three round trips: even on a slow, lossy link, where TCP's
// retransmissions back off 1, 2, 4, 8 s, an honest client ends it well within a minute.
constexpr double default_server_handshake_timeout = 60;

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
    os::throw_error(error,
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

}  // namespace

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

}  // namespace eventlet::green
