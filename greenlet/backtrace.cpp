// greenlet::backtrace(): where a suspended greenlet waits, taken in-process.
//
// A suspended greenlet's saved frame (asm/frame.h) holds its callee-saved registers and the
// address it resumes at. eventlet_ontop_context() loads them and calls a probe on the
// greenlet's own stack just below that frame, so that to glibc's backtrace() (the unwinder in
// libgcc) the probe looks called from the point where the greenlet waits. The probe jumps
// straight back to the caller, which then writes the saved frame back over what the probe's
// frame overwrote: the greenlet's handle and stack are as before, and nothing on the switch
// path knows of probes.
#include <execinfo.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "asm/frame.h"
#include "greenlet.hpp"

namespace eventlet {

#if EVENTLET_CONTEXT_ASM
namespace {

#if defined(__x86_64__)
constexpr std::size_t saved_frame_words = EVL_X64_SIZE / 8;
#elif defined(__aarch64__)
constexpr std::size_t saved_frame_words = EVL_A64_SIZE / 8;
#endif

// Stack the probe may use below the saved frame: glibc's backtrace() and the unwinder.
constexpr std::ptrdiff_t probe_room = 16 * 1024;

struct probe_request {
  void** frames;
  int max;
  int found;
};

// Runs on the probed greenlet's stack, its return address the one the greenlet resumes at.
// Not instrumented: its frame is abandoned, never returned from, so ASan must not poison it.
[[gnu::noinline, gnu::no_sanitize_address]] eventlet_transfer probe(eventlet_transfer t) {
  auto* r = static_cast<probe_request*>(t.data);
  r->found = ::backtrace(r->frames, r->max);
  eventlet_jump_context(t.from, nullptr);
  __builtin_unreachable();  // the caller never resumes the probe
}

// Copies a saved frame word by word, outside ASan's view (another stack's memory).
[[gnu::no_sanitize_address]] void copy_frame(std::uint64_t* to, const std::uint64_t* from) {
  for (std::size_t i = 0; i < saved_frame_words; ++i) to[i] = from[i];
}

}  // namespace
#endif

int greenlet::backtrace(void** frames, int max) {
  if (max < 0) throw std::invalid_argument("greenlet::backtrace: max is negative");
  const detail::switch_state* ts = detail::tls;
  if (!ts || thread_id_ != ts->id)
    throw greenlet_error("greenlet::backtrace: the greenlet belongs to another thread");
  if (state_ != state::active || this == ts->current)
    throw greenlet_error("greenlet::backtrace: the greenlet is not suspended");
#if EVENTLET_CONTEXT_ASM
  auto* saved = static_cast<std::uint64_t*>(ctx_);
  if (stack_.base && reinterpret_cast<char*>(saved) - stack_.base < probe_room)
    throw greenlet_error("greenlet::backtrace: less than 16 KiB of stack left for the probe");
  std::vector<void*> trace(static_cast<std::size_t>(max) + 1);  // the probe's own frame first
  ::backtrace(trace.data(), 1);  // loads the unwinder here, not on the probed stack
  probe_request r{trace.data(), max + 1, 0};
  std::uint64_t copy[saved_frame_words];
  copy_frame(copy, saved);
  eventlet_ontop_context(ctx_, &r, &probe);
  copy_frame(saved, copy);
  const int n = std::max(r.found - 1, 0);
  std::copy_n(trace.begin() + 1, n, frames);
  return n;
#else
  (void)frames;
  throw greenlet_error("greenlet::backtrace: not available with the ucontext switch");
#endif
}

}  // namespace eventlet
