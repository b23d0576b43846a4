// resolve(): host name lookup that suspends only the calling greenthread, like eventlet's
// green getaddrinfo. It is getaddrinfo(3), run on the native thread pool (tpool), so it
// honours /etc/hosts, nsswitch.conf and resolv.conf as every other program does.
//
//   std::vector<green::address> found = green::resolve("localhost", 8080);
//   green::socket s = green::connect(found.front());
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"
#include "address.hpp"

namespace eventlet::green {

// dns_error reports a failed lookup: not_found() for a name that has no address (EAI_NONAME,
// EAI_NODATA, EAI_ADDRFAMILY), temporary() for a failure worth retrying later (EAI_AGAIN:
// say, no name server answered), neither for other failures; code() is the EAI_* value.
class EVENTLET_API dns_error : public std::runtime_error {
 public:
  dns_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }
  bool not_found() const noexcept;
  bool temporary() const noexcept;

 private:
  int code_;
};

// resolve() returns the addresses of `host` (a name or a numeric address) with `port`, of
// `family` (AF_UNSPEC: IPv4 and IPv6), in getaddrinfo's order of preference, without
// duplicates. Throws dns_error, std::invalid_argument for an empty host, a port outside
// 0..65535 or a family other than those.
EVENTLET_API std::vector<address> resolve(std::string_view host, int port, int family = AF_UNSPEC);

}  // namespace eventlet::green
