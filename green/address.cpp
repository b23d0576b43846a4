#include "address.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace eventlet::green {

namespace {

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument("address: " + why); }

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Reads an unsigned decimal number that fills all of `s`; false if it does not.
template <typename T>
bool decimal(std::string_view s, T& out) {
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && error == std::errc() && end == s.data() + s.size();
}

// Fills `out` from a numeric IPv4 or IPv6 host (IPv6 with an optional "%scope", an interface
// name or number); returns the length, or 0 if `host` is not numeric. Only the strict
// inet_pton forms count: "127.1" is not an address here.
socklen_t numeric(std::string_view host, std::uint16_t port, sockaddr_storage& out) {
  if (host.find('\0') != std::string_view::npos) return 0;
  if (host.empty()) host = "0.0.0.0";
  std::string text(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  std::string scope;
  if (const auto percent = text.find('%'); percent != std::string::npos) {
    scope = text.substr(percent + 1);
    text.resize(percent);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) != 1) return 0;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  if (host.find('%') != std::string_view::npos) {
    v6->sin6_scope_id = if_nametoindex(scope.c_str());
    if (v6->sin6_scope_id == 0 && !decimal(scope, v6->sin6_scope_id))
      refuse("unknown IPv6 scope (interface) " + quoted(scope) + " in " + quoted(host));
  }
  return sizeof(sockaddr_in6);
}

// The text of an IPv4 or IPv6 host, with its scope for IPv6.
std::string ip_text(const sockaddr_storage& s) {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
  if (s.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(s).sin_addr, text, sizeof text);
    return text;
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(s);
  inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
  std::string result = text;
  if (v6.sin6_scope_id != 0) {
    char name[IF_NAMESIZE];
    result += '%';
    result += if_indextoname(v6.sin6_scope_id, name) ? name : std::to_string(v6.sin6_scope_id);
  }
  return result;
}

}  // namespace

address::address() noexcept : storage_{}, length_(0) { storage_.ss_family = AF_UNSPEC; }

address::address(std::string_view host, int port) : storage_{} {
  if (port < 0 || port > 65535)
    refuse("the port " + std::to_string(port) + " is not from 0 to 65535");
  length_ = numeric(host, static_cast<std::uint16_t>(port), storage_);
  if (length_ == 0)
    refuse(quoted(host) + " is not a numeric IP address; look host names up with green::resolve()");
}

address::address(const sockaddr* addr, socklen_t length) : storage_{}, length_(length) {
  if (length > sizeof storage_)
    refuse("a raw address of " + std::to_string(length) + " bytes does not fit sockaddr_storage");
  std::memcpy(&storage_, addr, length);
}

address address::parse(std::string_view host_port) {
  std::string_view host, port;
  if (host_port.starts_with('[')) {
    const auto close = host_port.find("]:");
    if (close == std::string_view::npos) refuse(quoted(host_port) + " is not \"[IPv6 host]:port\"");
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
    if (host.find(':') == std::string_view::npos)
      refuse(quoted(host_port) + ": brackets are for IPv6 hosts only");
  } else {
    const auto colon = host_port.rfind(':');
    if (colon == std::string_view::npos)
      refuse(quoted(host_port) + " is not \"host:port\" (no port)");
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      refuse(quoted(host_port) + ": write an IPv6 host in brackets, as \"[::1]:80\"");
  }
  std::uint16_t number;
  if (!decimal(port, number))
    refuse(quoted(host_port) + ": the port " + quoted(port) + " is not a number from 0 to 65535");
  return address(host, number);
}

address address::unix_path(std::string_view path) {
  sockaddr_un un{};
  if (path.empty()) refuse("an empty Unix socket path");
  if (path.size() >= sizeof un.sun_path)
    refuse("the Unix socket path " + quoted(path) + " is longer than " +
           std::to_string(sizeof un.sun_path - 1) + " bytes");
  const bool abstract = path.front() == '\0';
  if (!abstract && path.find('\0') != std::string_view::npos)
    refuse("a Unix socket path with a NUL byte inside");
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  return address(reinterpret_cast<const sockaddr*>(&un),
                 offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
}

std::string address::host() const {
  switch (family()) {
    case AF_INET:
    case AF_INET6:
      return ip_text(storage_);
    case AF_UNIX: {
      const auto& un = reinterpret_cast<const sockaddr_un&>(storage_);
      const std::size_t room =
          length_ > offsetof(sockaddr_un, sun_path) ? length_ - offsetof(sockaddr_un, sun_path) : 0;
      if (room > 0 && un.sun_path[0] == '\0') return std::string(un.sun_path, room);
      return std::string(un.sun_path, strnlen(un.sun_path, room));
    }
    default:
      return "";
  }
}

std::uint16_t address::port() const noexcept {
  switch (family()) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in&>(storage_).sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6&>(storage_).sin6_port);
    default:
      return 0;
  }
}

std::string address::to_string() const {
  switch (family()) {
    case AF_INET:
      return host() + ":" + std::to_string(port());
    case AF_INET6:
      return "[" + host() + "]:" + std::to_string(port());
    case AF_UNIX: {
      std::string path = host();
      if (!path.empty() && path.front() == '\0') path.front() = '@';
      return path;
    }
    default:
      return "";
  }
}

bool operator==(const address& a, const address& b) noexcept {
  return a.length_ == b.length_ && std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
}

}  // namespace eventlet::green
