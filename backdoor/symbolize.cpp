// debug::backtrace(): a suspended greenlet's return addresses (greenlet::backtrace()) named
// with what the C library and the C++ runtime give: dladdr() and __cxa_demangle().
#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "debug.hpp"

namespace eventlet::debug {
namespace {

std::string demangle(const char* name) {
  int status = 0;
  const std::unique_ptr<char, void (*)(void*)> plain(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && plain ? plain.get() : name;
}

// One frame: a return address, so the call is the byte before it.
std::string symbolize(void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  Dl_info info{};
  char offset[48];
  if (!dladdr(reinterpret_cast<void*>(at - 1), &info) || !info.dli_fname) {
    std::snprintf(offset, sizeof offset, "0x%zx", static_cast<std::size_t>(at));
    return offset;
  }
  if (info.dli_sname && info.dli_saddr) {
    std::snprintf(offset, sizeof offset, "+0x%zx",
                  static_cast<std::size_t>(at - reinterpret_cast<std::uintptr_t>(info.dli_saddr)));
    return demangle(info.dli_sname) + offset + " in " + info.dli_fname;
  }
  std::snprintf(offset, sizeof offset, "+0x%zx",
                static_cast<std::size_t>(at - reinterpret_cast<std::uintptr_t>(info.dli_fbase)));
  return info.dli_fname + std::string(offset);
}

}  // namespace

std::vector<std::string> backtrace(greenlet& g, int max_frames) {
  std::vector<void*> frames(static_cast<std::size_t>(max_frames > 0 ? max_frames : 0));
  const int n = g.backtrace(frames.data(), max_frames);
  std::vector<std::string> named;
  named.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) named.push_back(symbolize(frames[static_cast<std::size_t>(i)]));
  return named;
}

}  // namespace eventlet::debug
