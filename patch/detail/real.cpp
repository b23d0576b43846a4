#include "real.hpp"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace eventlet::patch::detail {

void* next_symbol(const char* name) noexcept {
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) {
    // No stdio here: it may call what is being resolved.
    const char head[] = "libeventlet_patch: the C library has no ";
    (void)!::syscall(SYS_write, 2, head, sizeof head - 1);
    (void)!::syscall(SYS_write, 2, name, std::strlen(name));
    (void)!::syscall(SYS_write, 2, "\n", 1);
    std::abort();
  }
  return f;
}

}  // namespace eventlet::patch::detail
