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

// no_sigpipe blocks SIGPIPE in the calling thread while it lives, so that a write with no
// MSG_NOSIGNAL (sendfile(2), a write to a pipe) to a closed peer fails with EPIPE rather than
// killing the process; the destructor takes a SIGPIPE raised meanwhile off the thread's pending
// set, unless SIGPIPE was blocked before, restores the mask and keeps errno.
class EVENTLET_API no_sigpipe {
 public:
  no_sigpipe() noexcept;
  no_sigpipe(const no_sigpipe&) = delete;
  no_sigpipe& operator=(const no_sigpipe&) = delete;
  ~no_sigpipe();

 private:
  sigset_t pipe_;
  bool was_blocked_;
};

}  // namespace eventlet::os
