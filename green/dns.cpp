#include "dns.hpp"

#include <netdb.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "../tpool/tpool.hpp"

namespace eventlet::green {

bool dns_error::not_found() const noexcept {
  switch (code_) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
      return true;
    default:
      return false;
  }
}

bool dns_error::temporary() const noexcept { return code_ == EAI_AGAIN; }

namespace {

// What getaddrinfo() gave, as the pool thread hands it back.
struct lookup {
  int code = 0;
  int error = 0;  // errno, for EAI_SYSTEM
  std::vector<address> addresses;
};

// Runs on a pool thread, with its arguments copied there: nothing refers to the stack of the
// greenthread waiting for it.
lookup look_up(std::string host, int port, int family) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  lookup result;
  result.code = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  result.error = errno;
  if (result.code != 0) return result;
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(list, &freeaddrinfo);
  for (const addrinfo* a = list; a; a = a->ai_next) {
    address found(a->ai_addr, a->ai_addrlen);
    if (std::find(result.addresses.begin(), result.addresses.end(), found) ==
        result.addresses.end())
      result.addresses.push_back(found);
  }
  return result;
}

}  // namespace

std::vector<address> resolve(std::string_view host, int port, int family) {
  if (host.empty()) throw std::invalid_argument("resolve: the host name is empty");
  if (host.find('\0') != std::string_view::npos)
    throw std::invalid_argument("resolve: the host name has a NUL byte inside");
  if (port < 0 || port > 65535)
    throw std::invalid_argument("resolve: the port " + std::to_string(port) +
                                " is not from 0 to 65535");
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
    throw std::invalid_argument("resolve: the family must be AF_UNSPEC, AF_INET or AF_INET6");
  lookup found = tpool::execute(look_up, std::string(host), port, family);
  if (found.code != 0) {
    std::string what = "resolve(\"" + std::string(host) + "\"): " + gai_strerror(found.code);
    if (found.code == EAI_SYSTEM) what += std::string(": ") + std::strerror(found.error);
    throw dns_error(found.code, what);
  }
  return std::move(found.addresses);
}

}  // namespace eventlet::green
