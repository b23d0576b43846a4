// The libevent loop driver: one persistent event per fd the hub watches, one timer for its
// earliest deadline, and one "run" event that the others activate. libevent runs the callbacks
// of the events it activated in one iteration before it polls again, the run event after the
// fd and timer events that activated it: so the hub runs once per iteration, with every fd found
// ready. A poll without waiting (the hub has work but looks at its fds now and then) is the
// timer armed at zero: libevent then polls without blocking and runs the hub after.
#include <event2/event.h>

#include <cerrno>

#include "../base/errors.hpp"
#include "../hubs/libevent.hpp"
#include "detail/drivers.hpp"

namespace eventlet::embed::detail {
namespace {

using hubs::io;
using hubs::ready_fd;

class libevent_driver final : public driver {
 public:
  libevent_driver(hubs::hub& h, event_base* base)
      : driver(h),
        base_(base),
        run_(event_new(base, -1, 0, &on_run_event, this)),
        timer_(evtimer_new(base, &on_timer, this)),
        fds_(base, &on_fd, this) {
    if (!run_ || !timer_) {
      if (run_) event_free(run_);
      if (timer_) event_free(timer_);
      os::throw_error(ENOMEM, "embed::join: event_new");
    }
  }

  ~libevent_driver() override {
    event_free(timer_);
    event_free(run_);
  }

  std::string_view name() const noexcept override { return "libevent (joined)"; }

  int update(int fd, io, io to) override { return fds_.update(fd, to); }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    const std::vector<ready_fd>& always_ready = fds_.always_ready();
    out.insert(out.end(), always_ready.begin(), always_ready.end());
    if (!always_ready.empty()) timeout = std::chrono::nanoseconds{0};
    if (timeout.count() < 0) {
      event_del(timer_);
    } else {
      const timeval tv{static_cast<time_t>(timeout.count() / 1'000'000'000),
                       static_cast<suseconds_t>((timeout.count() % 1'000'000'000 + 999) / 1000)};
      event_add(timer_, &tv);
    }
    park(out);
  }

  // In a forked child the application reinitializes its base (event_reinit()); the hub's
  // events are added again by the core.
  int after_fork() noexcept override {
    fds_.forget();
    return 0;
  }

  void kick() noexcept override { event_active(run_, 0, 0); }

  // libevent refuses to run a loop that runs already (a call made in one of its callbacks).
  void run_once() override {
    if (event_base_loop(base_, EVLOOP_ONCE) < 0)
      throw hubs::blocking_call_error(
          "embed::block_on: event_base_loop refused to run the joined loop: called in one of "
          "its callbacks? Use embed::defer_to_green_thread() there");
  }

  // libevent tells whether its loop runs only inside a callback (event_base_get_running_event()
  // crashes outside one): what is known is whether the driver's own callback runs.
  bool in_callback() const noexcept override { return in_run_; }

 private:
  static void on_fd(int fd, short what, void* arg) {
    auto* self = static_cast<libevent_driver*>(arg);
    self->ready_.push_back({fd, hubs::libevent_fds::events(what)});
    self->kick();
  }

  static void on_timer(evutil_socket_t, short, void* arg) {
    static_cast<libevent_driver*>(arg)->kick();
  }

  static void on_run_event(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<libevent_driver*>(arg);
    self->in_run_ = true;
    self->on_run();
    self->in_run_ = false;
  }

  event_base* base_;
  event* run_;
  event* timer_;
  hubs::libevent_fds fds_;
  bool in_run_ = false;  // on_run_event() runs
};

}  // namespace

std::unique_ptr<driver> make_libevent_driver(hubs::hub& h, void* loop) {
  return std::make_unique<libevent_driver>(h, static_cast<event_base*>(loop));
}

}  // namespace eventlet::embed::detail
