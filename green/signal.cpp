// Green signals: each thread that has greenthreads waiting for signals has one signalfd,
// watched by its hub, whose mask is the signals someone still waits for.
#include "signal.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

#include "../base/errors.hpp"
#include "../base/scope_exit.hpp"
#include "../coros/event.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::green {
namespace {

// to_set() checks `signals` and makes a sigset_t of them.
sigset_t to_set(const std::vector<int>& signals, const char* what) {
  if (signals.empty()) throw std::invalid_argument(std::string(what) + ": no signal given");
  sigset_t set;
  sigemptyset(&set);
  for (const int s : signals) {
    if (s <= 0 || s >= NSIG || s == SIGKILL || s == SIGSTOP)
      throw std::invalid_argument(std::string(what) + ": " + std::to_string(s) +
                                  " is not a signal one can wait for");
    sigaddset(&set, s);
  }
  return set;
}

// A greenthread waiting in wait_signal(), in its frame.
struct waiter {
  sigset_t wanted;
  event<int> got;  // sent the signal's number
};

// The calling thread's signalfd and the greenthreads waiting on it: made by the first waiter,
// gone with the last.
class dispatcher {
 public:
  // join() lists `w`, making the thread's dispatcher if there is none.
  static void join(waiter& w) {
    if (!current) current = new dispatcher;
    current->waiters_.push_back(&w);
    try {
      current->update_mask();
    } catch (...) {
      leave(w);
      throw;
    }
  }

  // leave() takes `w` off the list; the last to leave closes the signalfd.
  static void leave(waiter& w) noexcept {
    dispatcher* d = current;
    std::erase(d->waiters_, &w);
    if (!d->waiters_.empty()) {
      try {
        d->update_mask();
      } catch (...) {  // the mask only narrows: a signal read meanwhile finds nobody
      }
      return;
    }
    current = nullptr;
    delete d;
  }

 private:
  dispatcher() : fd_(signalfd(-1, &empty_set(), SFD_NONBLOCK | SFD_CLOEXEC)) {
    if (fd_ < 0) os::throw_error(errno, "signalfd");
    try {
      listener_ = hub_.add(hubs::io::read, fd_, [this](int error) { ready(error); });
    } catch (...) {
      ::close(fd_);
      throw;
    }
  }
  ~dispatcher() {
    hub_.remove(listener_);
    ::close(fd_);
  }

  static const sigset_t& empty_set() {
    static const sigset_t none = [] {
      sigset_t s;
      sigemptyset(&s);
      return s;
    }();
    return none;
  }

  // update_mask() makes the signalfd read the signals that someone not yet woken waits for;
  // the others stay pending.
  void update_mask() {
    sigset_t mask;
    sigemptyset(&mask);
    for (const waiter* w : waiters_)
      if (!w->got.ready()) sigorset(&mask, &mask, &w->wanted);
    if (signalfd(fd_, &mask, 0) < 0) os::throw_error(errno, "signalfd");
  }

  // ready() runs in the hub greenlet when the signalfd is readable: it reads one signal at a
  // time, wakes each waiter for it, and narrows the mask before reading the next.
  void ready(int error) {
    if (error != 0) {
      const auto e = std::make_exception_ptr(
          std::system_error(error, std::system_category(), "wait_signal: watching the signalfd"));
      for (waiter* w : waiters_)
        if (!w->got.ready()) w->got.send_exception(e);
      return;
    }
    for (;;) {
      update_mask();
      signalfd_siginfo info;
      if (::read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
      const int number = static_cast<int>(info.ssi_signo);
      for (waiter* w : waiters_)
        if (!w->got.ready() && sigismember(&w->wanted, number)) w->got.send(number);
    }
  }

  static thread_local dispatcher* current;
  hubs::hub& hub_ = hubs::get_hub();
  int fd_;
  hubs::listener* listener_ = nullptr;
  std::vector<waiter*> waiters_;
};

thread_local dispatcher* dispatcher::current = nullptr;

// wait() is wait_signal() with a timeout that is no error: empty if it runs out.
std::optional<int> wait(const std::vector<int>& signals, std::optional<double> timeout,
                        const char* what) {
  if (timeout && (std::isnan(*timeout) || *timeout < 0))
    throw std::invalid_argument(std::string(what) + ": timeout must be a number >= 0");
  waiter w{to_set(signals, what), {}};
  hubs::get_hub().check_can_block(what);
  if (const int e = pthread_sigmask(SIG_BLOCK, &w.wanted, nullptr)) os::throw_error(e, what);
  dispatcher::join(w);
  const auto leave = scope_exit([&w] { dispatcher::leave(w); });
  if (!timeout) return w.got.wait();
  return w.got.try_wait(*timeout);
}

}  // namespace

void mask_signals(const std::vector<int>& signals) {
  const sigset_t set = to_set(signals, "mask_signals");
  if (const int e = pthread_sigmask(SIG_BLOCK, &set, nullptr)) os::throw_error(e, "mask_signals");
}

int wait_signal(const std::vector<int>& signals, std::optional<double> timeout) {
  const std::optional<int> got = wait(signals, timeout, "wait_signal");
  if (!got) throw timeout_error("wait_signal: no signal came within the timeout");
  return *got;
}

std::optional<int> try_wait_signal(const std::vector<int>& signals, double timeout) {
  return wait(signals, timeout, "try_wait_signal");
}

}  // namespace eventlet::green
