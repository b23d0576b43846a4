// The context switch with POSIX ucontext, for CPUs without an assembly implementation and as a
// reference for the assembly (meson option -Dcontext=ucontext). Much slower: swapcontext()
// saves the whole FP environment and makes a system call for the signal mask.
//
// A context handle points at a record holding the execution's ucontext and the transfer it is
// resumed with. A suspended execution's record lives in the frame of its pending switch; a made
// context's record lives at the top of its stack.
#include "context.hpp"

#include <ucontext.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

struct record {
  ucontext_t uc;
  eventlet_transfer in;                           // what the execution is resumed with
  eventlet_transfer (*ontop)(eventlet_transfer);  // run first on resumption, if set
  void (*entry)(eventlet_transfer);               // a made context's entry
};

// Runs `fn` (if any) on top of the resumed execution, then hands back the transfer.
eventlet_transfer arrived(record& self) {
  eventlet_transfer (*fn)(eventlet_transfer) = self.ontop;
  self.ontop = nullptr;
  return fn ? fn(self.in) : self.in;
}

eventlet_transfer switch_to(eventlet_context to, void* data,
                            eventlet_transfer (*fn)(eventlet_transfer)) {
  record self;
  self.ontop = nullptr;
  auto* target = static_cast<record*>(to);
  target->in = {&self, data};
  target->ontop = fn;
  if (swapcontext(&self.uc, &target->uc) != 0) std::abort();
  return arrived(self);
}

// makecontext() passes int arguments: the record's address travels in two halves.
void trampoline(unsigned int hi, unsigned int lo) {
  auto* self = reinterpret_cast<record*>((std::uintptr_t{hi} << 32) | lo);
  self->entry(arrived(*self));
  std::abort();  // entry never returns
}

}  // namespace

extern "C" eventlet_context eventlet_make_context(void* stack_top, std::size_t size,
                                                  void (*entry)(eventlet_transfer)) {
  char* top = static_cast<char*>(stack_top);
  char* bottom = top - size;
  auto addr = (reinterpret_cast<std::uintptr_t>(top) - sizeof(record)) & ~std::uintptr_t{15};
  auto* r = new (reinterpret_cast<void*>(addr)) record{};
  if (getcontext(&r->uc) != 0) std::abort();
  r->uc.uc_stack.ss_sp = bottom;
  r->uc.uc_stack.ss_size = reinterpret_cast<char*>(r) - bottom;
  r->uc.uc_link = nullptr;
  r->entry = entry;
  const auto bits = reinterpret_cast<std::uintptr_t>(r);
  makecontext(&r->uc, reinterpret_cast<void (*)()>(&trampoline), 2,
              static_cast<unsigned int>(bits >> 32), static_cast<unsigned int>(bits));
  return r;
}

extern "C" eventlet_transfer eventlet_jump_context(eventlet_context to, void* data) {
  return switch_to(to, data, nullptr);
}

extern "C" eventlet_transfer eventlet_ontop_context(eventlet_context to, void* data,
                                                    eventlet_transfer (*fn)(eventlet_transfer)) {
  return switch_to(to, data, fn);
}
