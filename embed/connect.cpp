// connect_tcp(), connect_tls(), connect_unix(): the seed's GreenClientCreator over bufferevents.
#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "../base/errors.hpp"
#include "../green/dns.hpp"
#include "../green/tls_context.hpp"
#include "detail/tls_error.hpp"
#include "transport.hpp"

namespace eventlet::embed {
namespace {

bufferevent* new_socket_bev(event_base* base) {
  if (!base) throw std::invalid_argument("embed::connect: null event_base");
  bufferevent* bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) os::throw_error(ENOMEM, "bufferevent_socket_new");
  return bev;
}

// Tries each address of `host` in turn; `make` makes a fresh bufferevent for each try.
template <typename Make>
green_transport connect_resolved(const std::string& host, int port, Make make, const char* what,
                                 void (green_transport::*connect)(const green::address&,
                                                                  const char*)) {
  std::exception_ptr last;
  for (const green::address& a : green::resolve(host, port)) {
    green_transport t(make());
    try {
      (t.*connect)(a, what);
      return t;
    } catch (const std::system_error&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  os::throw_error(EHOSTUNREACH, std::string(what) + ": no address for " + host);
}

// An SSL object for a client of `host`, verified as `o` says.
SSL* new_ssl(const std::string& host, const tls_options& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) throw green::tls_error("connect_tls: SSL_CTX_new failed");
  if (o.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx);
    if (!o.ca_file.empty() && SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
      SSL_CTX_free(ctx);
      throw green::tls_error("connect_tls: cannot load CA file " + o.ca_file);
    }
  }
  SSL* ssl = SSL_new(ctx);
  SSL_CTX_free(ctx);  // the SSL keeps its own reference
  if (!ssl) throw green::tls_error("connect_tls: SSL_new failed");
  const std::string& name = o.server_name.empty() ? host : o.server_name;
  unsigned char ip[16];
  const bool numeric =
      inet_pton(AF_INET, name.c_str(), ip) == 1 || inet_pton(AF_INET6, name.c_str(), ip) == 1;
  if (!numeric) SSL_set_tlsext_host_name(ssl, name.c_str());
  if (o.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const int ok = numeric ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                           : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    if (ok != 1) {
      SSL_free(ssl);
      throw green::tls_error("connect_tls: bad server name " + name);
    }
  }
  return ssl;
}

}  // namespace

namespace detail {

std::string tls_error_of(bufferevent* bev) {
  std::string message;
  while (const unsigned long e = bufferevent_get_openssl_error(bev)) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!message.empty()) message += "; ";
    message += buf;
  }
  return message;
}

}  // namespace detail

green_transport connect_tcp(event_base* base, const std::string& host, int port) {
  return connect_resolved(
      host, port, [base] { return new_socket_bev(base); }, "connect_tcp",
      &green_transport::connect);
}

green_transport connect_tls(event_base* base, const std::string& host, int port,
                            const tls_options& options) {
  if (!base) throw std::invalid_argument("embed::connect_tls: null event_base");
  auto make = [&] {
    SSL* ssl = new_ssl(host, options);
    bufferevent* bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                      BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
      SSL_free(ssl);
      os::throw_error(ENOMEM, "bufferevent_openssl_socket_new");
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
  };
  return connect_resolved(host, port, make, "connect_tls", &green_transport::connect);
}

green_transport connect_unix(event_base* base, const std::string& path) {
  const green::address to = green::address::unix_path(path);
  green_transport t(new_socket_bev(base));
  t.connect(to, "connect_unix");
  return t;
}

}  // namespace eventlet::embed
