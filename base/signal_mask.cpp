#include "signal_mask.hpp"

#include <pthread.h>

#include <initializer_list>

namespace eventlet::os {

block_signals::block_signals() noexcept {
  sigset_t all;
  sigfillset(&all);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&all, fault);
  pthread_sigmask(SIG_BLOCK, &all, &previous_);
}

block_signals::~block_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

}  // namespace eventlet::os
