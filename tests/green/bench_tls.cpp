// ssl_bench: what TLS costs over a green socket, beside the plain socket, in one process on
// the hub EVENTLET_HUB names: a 1-byte round trip, a full handshake (TLS 1.3, P-256 ECDSA
// certificate verified, X25519), and 16 KiB sends. Prints figures; asserts nothing.
//
//   build/tests/green/ssl_bench
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "coros/greenthread.hpp"
#include "green/tls.hpp"
#include "tools/bench.hpp"

using namespace eventlet;
using green::tls_context;
using green::tls_socket;

namespace {

// A self-signed certificate for localhost with a new P-256 key, as PEM text: {cert, key}.
std::pair<std::string, std::string> self_signed() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!key || !cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1 ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
    throw std::runtime_error("cannot make a certificate");
  const auto pem = [](auto write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || write(bio.get()) != 1) throw std::runtime_error("cannot write PEM");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, size);
  };
  return {pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }), pem([&](BIO* b) {
            return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
          })};
}

// A server context and a client context that trusts it (through a temporary file).
std::pair<tls_context, tls_context> contexts() {
  const auto [cert, key] = self_signed();
  char name[] = "/tmp/ssl-bench-XXXXXX";
  const int fd = mkstemp(name);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  std::ofstream(name) << cert;
  tls_context client = tls_context::client();
  client.load_verify_locations(name);
  unlink(name);
  return {tls_context::server_from_pem(cert, key), client};
}

// Makes a TLS pair over a new socket pair and completes its handshake.
std::pair<tls_socket, tls_socket> connected(const tls_context& server, const tls_context& client) {
  auto [a, b] = green::socketpair();
  tls_socket s = green::wrap_tls(std::move(a), server);
  tls_socket c = green::wrap_tls(std::move(b), client, "localhost");
  auto server_side = spawn([&s] { s.handshake(); });
  c.handshake();
  server_side.wait();
  return {std::move(c), std::move(s)};
}

// `n` 1-byte round trips from `client` to an echoing `server`.
template <typename Socket>
void round_trips(Socket& client, Socket& server, std::uint64_t n) {
  auto echo = spawn([&] {
    char byte;
    for (std::uint64_t i = 0; i < n; ++i) {
      server.recv_into({&byte, 1});
      server.sendall({&byte, 1});
    }
  });
  char byte = 'x';
  for (std::uint64_t i = 0; i < n; ++i) {
    client.sendall({&byte, 1});
    client.recv_into({&byte, 1});
  }
  echo.wait();
}

// `n` sends of 16 KiB from `sender` to a `receiver` that reads them all.
template <typename Socket>
void bulk(Socket& sender, Socket& receiver, std::uint64_t n) {
  static const std::string block(16 * 1024, 'b');
  auto reading = spawn([&] {
    std::string buffer(64 * 1024, '\0');
    for (std::size_t left = n * block.size(); left > 0;) left -= receiver.recv_into(buffer);
  });
  for (std::uint64_t i = 0; i < n; ++i) sender.sendall(block);
  reading.wait();
}

void print(const char* what, bench::figure f) {
  std::printf("%-44s %10.0f ns %12.0f cycles\n", what, f.ns, f.cycles);
}

}  // namespace

int main() {
  std::printf("tls_bench on the %s hub, median of 7 rounds\n",
              std::string(hubs::get_hub().name()).c_str());
  auto [server_context, client_context] = contexts();

  auto [plain_client, plain_server] = green::socketpair();
  print("plain socket: 1-byte round trip",
        bench::measure([&](std::uint64_t n) { round_trips(plain_client, plain_server, n); }));
  auto [tls_client, tls_server] = connected(server_context, client_context);
  print("TLS 1.3 socket: 1-byte round trip",
        bench::measure([&](std::uint64_t n) { round_trips(tls_client, tls_server, n); }));
  print("TLS 1.3 handshake, both sides", bench::measure([&](std::uint64_t n) {
          for (std::uint64_t i = 0; i < n; ++i) connected(server_context, client_context);
        }));
  const bench::figure plain =
      bench::measure([&](std::uint64_t n) { bulk(plain_client, plain_server, n); });
  const bench::figure tls =
      bench::measure([&](std::uint64_t n) { bulk(tls_client, tls_server, n); });
  print("plain socket: 16 KiB sent and received", plain);
  print("TLS 1.3 socket: 16 KiB sent and received", tls);
  std::printf("throughput: plain %.0f MB/s, TLS %.0f MB/s\n", 16384 / plain.ns * 1e3,
              16384 / tls.ns * 1e3);
}
