// Getting out of a C library whose error callback must not return (libevent's fatal callback)
// or would retry forever (libev's system-error callback): around our own calls into it, the
// callback long-jumps back to the call, which then fails. Private to hubs/.
#pragma once

#include <csetjmp>

namespace eventlet::hubs::detail {

// A thread's way out of the library's calls: where its error callback jumps to, null outside
// them.
struct escape {
  std::jmp_buf* to = nullptr;

  // leave() jumps out of the call under way, if any; returns only when there is none.
  void leave() noexcept {
    if (to) std::longjmp(*to, 1);
  }
};

// run_escapable() runs `call`, a call into the library, and returns false if the library's
// callback left it through `way`. `call` must hold no object with a destructor while the
// library runs: the jump skips destructors.
template <typename F>
bool run_escapable(escape& way, F call) {
  std::jmp_buf here;
  std::jmp_buf* const outer = way.to;
  if (setjmp(here) != 0) {
    way.to = outer;
    return false;
  }
  way.to = &here;
  call();
  way.to = outer;
  return true;
}

}  // namespace eventlet::hubs::detail
