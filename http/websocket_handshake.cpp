#include "websocket_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace eventlet::http {

namespace {

// The GUID RFC 6455 §1.3 appends to the client's key.
constexpr std::string_view key_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// base64() returns the base64 (RFC 4648, with padding) of `size` bytes (at most 20 here).
std::string base64(const unsigned char* bytes, std::size_t size) {
  unsigned char text[32];  // 4 characters for each 3 bytes of 20, and EVP_EncodeBlock's '\0'
  const int n = EVP_EncodeBlock(text, bytes, static_cast<int>(size));
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(n)};
}

// base64_value() returns the value of a base64 character, or -1 for a character outside the
// alphabet.
int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string websocket_accept_key(std::string_view client_key) {
  std::string keyed;
  keyed.reserve(client_key.size() + key_guid.size());
  keyed.append(client_key).append(key_guid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(keyed.data(), keyed.size(), digest, &size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("websocket_accept_key: SHA-1 failed");
  return base64(digest, size);
}

std::string websocket_random_client_key() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("websocket_random_client_key: RAND_bytes failed");
  return base64(bytes, sizeof bytes);
}

bool is_valid_websocket_client_key(std::string_view key) noexcept {
  // 16 bytes: 21 characters carry 126 bits, the 22nd the last 2 bits and 4 zero bits.
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (std::size_t i = 0; i < 22; ++i)
    if (base64_value(key[i]) < 0) return false;
  return (base64_value(key[21]) & 0xf) == 0;
}

}  // namespace eventlet::http
