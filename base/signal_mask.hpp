// Signal masks: a thread made while every signal is blocked leaves the process's signals to
// the threads that expect them (the hubs' threads, where a green signal wait listens).
#pragma once

#include <signal.h>

#include "export.hpp"

namespace eventlet::os {

// block_signals blocks every asynchronous signal in the calling thread while it lives, so the
// threads started meanwhile inherit that mask; the destructor restores the previous mask.
// Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) stay unblocked: a fault while
// blocked would kill the process without running its handler.
class EVENTLET_API block_signals {
 public:
  block_signals() noexcept;
  block_signals(const block_signals&) = delete;
  block_signals& operator=(const block_signals&) = delete;
  ~block_signals();

 private:
  sigset_t previous_;
};

}  // namespace eventlet::os
