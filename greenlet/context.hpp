// The machine-level context switch under class greenlet: three C functions implemented in
// assembly per CPU (greenlet/asm/) or, as a reference, with ucontext (context_ucontext.cpp).
//
// A context is an opaque handle to a suspended execution: for the assembly implementation it
// is the stack pointer at which the callee-saved registers of that execution were pushed. A
// handle is valid for exactly one resumption; resuming hands back a fresh handle to the
// execution that was left.
//
// The shared library exports eventlet_jump_context() alone, which greenlet::switch_to() calls
// inline; the other two are the library's own (hidden: only the static library has them).
#pragma once

#include <cstddef>

#include "../base/export.hpp"

extern "C" {

// A suspended execution.
typedef void* eventlet_context;

// What a resumed execution receives: the context it was resumed from and the caller's pointer.
struct eventlet_transfer {
  eventlet_context from;
  void* data;
};

// eventlet_make_context() prepares a context on the stack whose highest address is `stack_top`
// and which is `size` bytes long; the first jump to it calls `entry`, which must never return.
eventlet_context eventlet_make_context(void* stack_top, std::size_t size,
                                       void (*entry)(eventlet_transfer));

// eventlet_jump_context() suspends the caller and resumes `to`, passing `data`; it returns when
// some execution jumps back, with that execution's context and pointer.
EVENTLET_API eventlet_transfer eventlet_jump_context(eventlet_context to, void* data);

// eventlet_ontop_context() suspends the caller and resumes `to`, but first runs `fn` on `to`'s
// stack as if `to` had called it; the transfer `fn` returns is what `to`'s jump returns. `fn` may
// also throw, and the exception then propagates in `to` from its pending jump. This is the
// primitive behind greenlet::throw_in() and the release of a finished greenlet's stack.
eventlet_transfer eventlet_ontop_context(eventlet_context to, void* data,
                                         eventlet_transfer (*fn)(eventlet_transfer));
}
