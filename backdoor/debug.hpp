// eventlet::debug: text listings of what the calling thread's hub and its greenthreads are
// doing, as Python eventlet.debug has them (format_hub_listeners(), format_hub_timers()); the
// backdoor console answers its commands with them. Each is a plain function returning text,
// to be called on a hub thread (it lists that thread's hub; an empty listing if it has none).
#pragma once

#include <string>
#include <vector>

#include "../base/export.hpp"
#include "../greenlet/greenlet.hpp"

namespace eventlet::debug {

// format_hub_listeners() lists the hub's listeners, one line each: "fd 7 read". Throws
// std::bad_alloc.
EVENTLET_API std::string format_hub_listeners();

// format_hub_timers() lists the hub's pending timers, soonest first, one line each: when due
// (in seconds from now) and what it does ("resumes greenthread #4 'worker'", "calls a
// function"). Throws std::bad_alloc.
EVENTLET_API std::string format_hub_timers();

// format_hub() describes the hub: backend, greenthreads, listeners, timers, run-queue length,
// loop passes and what blocking detection has reported, then the two listings above. Throws
// std::bad_alloc.
EVENTLET_API std::string format_hub();

// format_greenthreads() lists every live greenthread of the hub, oldest first: id, name,
// state (running, runnable, waiting on fd N read/write, sleeping until T, waiting on an
// event, queue, semaphore, ...), age, and with `backtraces` the symbolized stack where each
// suspended one waits (see backtrace()). Throws std::bad_alloc.
EVENTLET_API std::string format_greenthreads(bool backtraces = true);

// format_tpool() describes the default thread pool (tpool::default_pool()): its threads, idle
// threads, queued and completed calls.
// Throws std::invalid_argument for a bad EVENTLET_THREADPOOL_SIZE, std::bad_alloc.
EVENTLET_API std::string format_tpool();

// format_pools() lists the calling thread's registered pools (base/pool_listing.hpp) with
// their figures, one line each. Throws what a pool's statistics function throws.
EVENTLET_API std::string format_pools();

// backtrace() is where suspended greenlet `g` waits, innermost frame first, each frame
// symbolized from the dynamic symbol tables ("function(args)+0x1a in module", demangled), or
// "module+0x1234" where no symbol covers it (addr2line -e module resolves that). A program's
// own functions have names only when it is linked with -rdynamic (meson: export_dynamic).
// Throws greenlet_error as greenlet::backtrace() does, std::bad_alloc.
EVENTLET_API std::vector<std::string> backtrace(greenlet& g, int max_frames = 32);

}  // namespace eventlet::debug
