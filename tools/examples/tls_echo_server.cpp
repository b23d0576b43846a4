// tls_echo_server: a TLS echo server on green::serve, one greenthread per connection.
//
//   tls_echo_server [--port N] [--cert FILE --key FILE]
//
// It listens on 127.0.0.1, port 8443 by default (0: any free port), and prints one line,
// "listening on 127.0.0.1:PORT", once it does. Without --cert and --key it makes a
// self-signed certificate for localhost in memory, and says so on stderr. It serves until
// SIGINT or SIGTERM, then exits with status 0. EVENTLET_HUB chooses the hub.
//
//   openssl s_client -connect 127.0.0.1:8443 -quiet     # type lines: they come back
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <signal.h>

#include <array>
#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "backdoor_option.hpp"
#include "command_line.hpp"
#include "eventlet.hpp"
#include "stop_signal.hpp"

using namespace eventlet;

namespace {

// The PEM text of what `write` writes into a memory BIO.
template <typename Write>
std::string pem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || write(bio.get()) != 1) throw std::runtime_error("cannot write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size);
}

// A new P-256 key and a self-signed certificate with it for localhost and 127.0.0.1, valid
// for a day: their PEM text, certificate first.
std::pair<std::string, std::string> ephemeral_certificate() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("cannot make a key and a certificate");
  std::uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> names(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"),
      X509_EXTENSION_free);
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1 ||
      !names || X509_add_ext(cert.get(), names.get(), -1) != 1 ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
    throw std::runtime_error("cannot make a self-signed certificate");
  return {pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }), pem([&](BIO* b) {
            return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
          })};
}

// The connections being served, closed at shutdown so that their handlers end.
std::set<green::tls_socket*> connections;
bool stopping = false;

// Echoes what a client sends until it closes; a failure ends only this connection.
void echo(green::tls_socket connection, green::address peer) {
  connections.insert(&connection);
  struct leave {
    green::tls_socket* c;
    ~leave() { connections.erase(c); }
  } on_exit{&connection};
  try {
    std::array<char, 16 * 1024> buffer;
    while (const std::size_t n = connection.recv_into(buffer))
      connection.sendall({buffer.data(), n});
  } catch (const std::exception& e) {
    if (!stopping) std::fprintf(stderr, "%s: %s\n", peer.to_string().c_str(), e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const examples::command_line args(
      argc, argv, "tls_echo_server [--port N] [--cert FILE --key FILE] [--backdoor PATH]",
      {"--port", "--cert", "--key", "--backdoor"});
  const int port = args.port(8443);
  const std::string cert_file = args.value("--cert", ""), key_file = args.value("--key", "");
  if (cert_file.empty() != key_file.empty()) args.fail("--cert and --key go together");

  examples::block_stop_signals();  // before any thread starts
  try {
    hubs::get_hub();  // chooses the hub (EVENTLET_HUB) now: a bad choice fails before listening
    examples::serve_backdoor(args);
    green::tls_context context = [&] {
      if (!cert_file.empty()) return green::tls_context::server(cert_file, key_file);
      std::fprintf(stderr,
                   "tls_echo_server: no --cert and --key: using a self-signed certificate for "
                   "localhost made for this run\n");
      const auto [cert, key] = ephemeral_certificate();
      return green::tls_context::server_from_pem(cert, key);
    }();
    green::tls_listener listener(green::listen({"127.0.0.1", port}), context);

    examples::serve_until_signal(
        [&] {
          examples::announce(listener.getsockname());
          green::serve(listener, echo, /*concurrency=*/100'000);
        },
        [](greenthread<void>& serving) {
          serving.kill();  // accept no more
          stopping = true;
          for (green::tls_socket* c : connections) c->close();  // with close_notify; handlers
          while (!connections.empty()) eventlet::sleep(0);      // wake and end
        });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tls_echo_server: %s\n", e.what());
    return 1;
  }
}
