#include "signal_mask.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>
#include <initializer_list>

namespace eventlet::os {

block_signals::block_signals() noexcept {
  sigset_t all;
  sigfillset(&all);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&all, fault);
  pthread_sigmask(SIG_BLOCK, &all, &previous_);
}

block_signals::~block_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

no_sigpipe::no_sigpipe() noexcept {
  sigemptyset(&pipe_);
  sigaddset(&pipe_, SIGPIPE);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &pipe_, &old);
  was_blocked_ = sigismember(&old, SIGPIPE);
}

no_sigpipe::~no_sigpipe() {
  if (was_blocked_) return;
  const int saved = errno;
  const timespec now{};
  while (sigtimedwait(&pipe_, nullptr, &now) > 0 || errno == EINTR) {
  }
  pthread_sigmask(SIG_UNBLOCK, &pipe_, nullptr);
  errno = saved;
}

}  // namespace eventlet::os
