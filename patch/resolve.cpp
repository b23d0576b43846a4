// The interposed name lookups: in a greenthread, getaddrinfo() and gethostbyname*() run on the
// thread pool (tpool), because the C library's resolver makes its own calls (socket, poll, read
// of /etc/hosts and DNS) that no interposition sees. What the pool thread works on is its own
// copy: a greenthread killed meanwhile leaves the call to finish, and its result is freed.
#include <netdb.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "../tpool/tpool.hpp"
#include "detail/calls.hpp"
#include "detail/green.hpp"

namespace d = eventlet::patch::detail;

namespace eventlet::patch::detail {

real<int(const char*, const char*, const addrinfo*, addrinfo**)> real_getaddrinfo{"getaddrinfo"};
real<int(const char*, int, hostent*, char*, size_t, hostent**, int*)> real_gethostbyname2_r{
    "gethostbyname2_r"};
real<int(const char*, hostent*, char*, size_t, hostent**, int*)> real_gethostbyname_r{
    "gethostbyname_r"};
real<hostent*(const char*)> real_gethostbyname{"gethostbyname"};
real<hostent*(const char*, int)> real_gethostbyname2{"gethostbyname2"};

namespace {

struct addrinfo_free {
  void operator()(addrinfo* a) const noexcept { freeaddrinfo(a); }
};
using addrinfo_ptr = std::unique_ptr<addrinfo, addrinfo_free>;

// A lookup's result, made on the pool thread with a buffer of its own.
struct host_result {
  hostent h{};
  std::vector<char> buf = std::vector<char>(1024);
  bool found = false;
  int rc = 0;
  int herr = 0;
};

host_result lookup_host(const std::string& name, int af) {
  host_result r;
  hostent* out = nullptr;
  while ((r.rc = real_gethostbyname2_r(name.c_str(), af, &r.h, r.buf.data(), r.buf.size(), &out,
                                       &r.herr)) == ERANGE)
    r.buf.resize(r.buf.size() * 2);
  r.found = out != nullptr;
  return r;
}

// copy_host() copies `from` into `to`, whose pointers then point into buf[0, len); false when
// that is too small.
bool copy_host(const hostent& from, hostent* to, char* buf, std::size_t len) noexcept {
  std::size_t aliases = 0, addrs = 0;
  while (from.h_aliases && from.h_aliases[aliases]) ++aliases;
  while (from.h_addr_list && from.h_addr_list[addrs]) ++addrs;
  std::size_t need = (aliases + 1 + addrs + 1) * sizeof(char*) + std::strlen(from.h_name) + 1 +
                     addrs * std::size_t(from.h_length);
  for (std::size_t i = 0; i < aliases; ++i) need += std::strlen(from.h_aliases[i]) + 1;
  const std::size_t misalign = reinterpret_cast<std::uintptr_t>(buf) % alignof(char*);
  const std::size_t skip = misalign ? alignof(char*) - misalign : 0;
  if (len < need + skip) return false;
  buf += skip;
  char** list = reinterpret_cast<char**>(buf);
  char* data = buf + (aliases + 1 + addrs + 1) * sizeof(char*);
  auto put = [&data](const void* p, std::size_t n) {
    char* at = static_cast<char*>(std::memcpy(data, p, n));
    data += n;
    return at;
  };
  to->h_addrtype = from.h_addrtype;
  to->h_length = from.h_length;
  to->h_addr_list = list;
  for (std::size_t i = 0; i < addrs; ++i) *list++ = put(from.h_addr_list[i], from.h_length);
  *list++ = nullptr;
  to->h_aliases = list;
  for (std::size_t i = 0; i < aliases; ++i)
    *list++ = put(from.h_aliases[i], std::strlen(from.h_aliases[i]) + 1);
  *list = nullptr;
  to->h_name = put(from.h_name, std::strlen(from.h_name) + 1);
  return true;
}

// gethostbyname2_r() green: the lookup on the pool, its result copied into the caller's buffer.
int host_r(const char* name, int af, hostent* ret, char* buf, size_t len, hostent** result,
           int* herr) noexcept {
  *result = nullptr;
  if (hubs::deferred()) return ECANCELED;
  try {
    const host_result r = tpool::execute(lookup_host, std::string(name), af);
    if (herr) *herr = r.herr;
    if (r.rc != 0 || !r.found) return r.rc;
    if (!copy_host(r.h, ret, buf, len)) return ERANGE;
    *result = ret;
    return 0;
  } catch (...) {
    try {
      hubs::defer(std::current_exception());
    } catch (...) {
    }
    return EINTR;
  }
}

// gethostbyname() and gethostbyname2() green: a result per OS thread, as the C library keeps
// one per process (valid until the next call).
hostent* host(const char* name, int af) noexcept {
  static thread_local std::vector<char> buf(4096);
  static thread_local hostent kept;
  hostent* result = nullptr;
  int herr = 0;
  int rc;
  while ((rc = host_r(name, af, &kept, buf.data(), buf.size(), &result, &herr)) == ERANGE)
    buf.resize(buf.size() * 2);
  h_errno = rc == 0 ? herr : NETDB_INTERNAL;
  if (rc != 0) errno = rc;
  return result;
}

}  // namespace

}  // namespace eventlet::patch::detail

extern "C" {

EVENTLET_API int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                             addrinfo** res) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h) return d::real_getaddrinfo(node, service, hints, res);
  if (eventlet::hubs::deferred()) {
    errno = ECANCELED;
    return EAI_SYSTEM;
  }
  const bool has_node = node, has_service = service, has_hints = hints;
  addrinfo want{};
  if (hints) {  // what getaddrinfo() reads of hints
    want.ai_flags = hints->ai_flags;
    want.ai_family = hints->ai_family;
    want.ai_socktype = hints->ai_socktype;
    want.ai_protocol = hints->ai_protocol;
  }
  try {
    auto [rc, list, error] = eventlet::tpool::execute(
        [has_node, has_service, has_hints, want](const std::string& n, const std::string& s) {
          addrinfo* out = nullptr;
          const int r =
              d::real_getaddrinfo(has_node ? n.c_str() : nullptr, has_service ? s.c_str() : nullptr,
                                  has_hints ? &want : nullptr, &out);
          return std::tuple(r, d::addrinfo_ptr(r == 0 ? out : nullptr), errno);
        },
        std::string(node ? node : ""), std::string(service ? service : ""));
    if (rc == EAI_SYSTEM) errno = error;
    *res = list.release();
    return rc;
  } catch (...) {
    try {
      eventlet::hubs::defer(std::current_exception());
    } catch (...) {
    }
    errno = EINTR;
    return EAI_SYSTEM;
  }
}

EVENTLET_API hostent* gethostbyname(const char* name) {
  return d::green_hub() ? d::host(name, AF_INET) : d::real_gethostbyname(name);
}

EVENTLET_API hostent* gethostbyname2(const char* name, int af) {
  return d::green_hub() ? d::host(name, af) : d::real_gethostbyname2(name, af);
}

EVENTLET_API int gethostbyname_r(const char* name, hostent* ret, char* buf, size_t len,
                                 hostent** result, int* herr) {
  return d::green_hub() ? d::host_r(name, AF_INET, ret, buf, len, result, herr)
                        : d::real_gethostbyname_r(name, ret, buf, len, result, herr);
}

EVENTLET_API int gethostbyname2_r(const char* name, int af, hostent* ret, char* buf, size_t len,
                                  hostent** result, int* herr) {
  return d::green_hub() ? d::host_r(name, af, ret, buf, len, result, herr)
                        : d::real_gethostbyname2_r(name, af, ret, buf, len, result, herr);
}

}  // extern "C"
