// address: a socket address value (IPv4, IPv6 or Unix domain), what Python spells as a tuple
// ("127.0.0.1", 8080) or a path.
//
//   green::address a("127.0.0.1", 8080);              // or ("::1", 80)
//   auto b = green::address::parse("[::1]:8080");     // "host:port", "[v6]:port"
//   auto c = green::address::unix_path("/run/app.sock");
//   a.to_string();                                    // "127.0.0.1:8080"
//
// Hosts are numeric only: nothing here looks names up (green::resolve() in dns.hpp does).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "../base/export.hpp"

namespace eventlet::green {

class EVENTLET_API address {
 public:
  // address() is the empty address (family AF_UNSPEC), what a default socket address holds.
  address() noexcept;

  // address() makes an IPv4 or IPv6 address from a numeric host ("127.0.0.1", "::1",
  // "fe80::1%eth0"; "" means any IPv4 address, as in Python) and a port. Throws
  // std::invalid_argument for a host that is not numeric (naming green::resolve()) or a port
  // outside 0..65535.
  address(std::string_view host, int port);

  // address() copies a raw socket address, as accept(2) or getsockname(2) fill in. Throws
  // std::invalid_argument for a length that does not fit a sockaddr_storage.
  address(const sockaddr* addr, socklen_t length);

  // parse() reads "host:port" or "[v6 host]:port" (numeric host, port 0..65535). Throws
  // std::invalid_argument saying what is wrong.
  static address parse(std::string_view host_port);

  // unix_path() makes a Unix-domain address; a path starting with '\0' is in Linux's abstract
  // namespace. Throws std::invalid_argument for an empty path or one too long for sun_path.
  static address unix_path(std::string_view path);

  // family() is AF_INET, AF_INET6, AF_UNIX or AF_UNSPEC (empty).
  int family() const noexcept { return storage_.ss_family; }

  // host() is the numeric host ("127.0.0.1", "::1") or, for AF_UNIX, the path.
  std::string host() const;

  // port() is the port of an IP address; 0 for other families.
  std::uint16_t port() const noexcept;

  // to_string() is "127.0.0.1:8080", "[::1]:80", the Unix path ("@name" for an abstract
  // one, an unnamed one is ""), or "" for the empty address.
  std::string to_string() const;

  // data() and size() are what the socket calls take.
  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return length_; }

  // Two addresses are equal when their bytes are.
  friend EVENTLET_API bool operator==(const address& a, const address& b) noexcept;

 private:
  sockaddr_storage storage_;
  socklen_t length_;
};

}  // namespace eventlet::green
