// The libevent loop driver: one persistent event per fd the hub watches, one timer for its
// earliest deadline, and one "run" event that the others activate. libevent runs the callbacks
// of the events it activated in one iteration before it polls again, the run event after the
// fd and timer events that activated it: so the hub runs once per iteration, with every fd found
// ready. A poll without waiting (the hub has work but looks at its fds now and then) is the
// timer armed at zero: libevent then polls without blocking and runs the hub after.
#include <event2/event.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "../base/errors.hpp"
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
        timer_(evtimer_new(base, &on_timer, this)) {
    if (!run_ || !timer_) {
      if (run_) event_free(run_);
      if (timer_) event_free(timer_);
      os::throw_error(ENOMEM, "embed::join: event_new");
    }
  }

  ~libevent_driver() override {
    for (event* e : events_)
      if (e) event_free(e);
    event_free(timer_);
    event_free(run_);
  }

  std::string_view name() const noexcept override { return "libevent (joined)"; }

  int update(int fd, io, io to) override {
    if (static_cast<std::size_t>(fd) >= events_.size()) events_.resize(fd + 1, nullptr);
    event*& e = events_[fd];
    if (e) event_del(e);
    std::erase_if(always_ready_, [fd](const ready_fd& r) { return r.fd == fd; });
    if (!any(to)) return 0;
    struct stat st;  // libevent takes a closed fd and never reports it: ask the kernel first
    if (fstat(fd, &st) != 0) return errno;
    if (S_ISREG(st.st_mode)) {  // always ready, as poll says (epoll refuses regular files)
      always_ready_.push_back({fd, to});
      return 0;
    }
    const short what =
        EV_PERSIST | (any(to & io::read) ? EV_READ : 0) | (any(to & io::write) ? EV_WRITE : 0);
    if (!e) {
      e = event_new(base_, fd, what, &on_fd, this);
      if (!e) return ENOMEM;
    } else if (event_assign(e, base_, fd, what, &on_fd, this) != 0) {
      return EINVAL;
    }
    errno = 0;
    if (event_add(e, nullptr) != 0) return errno ? errno : EBADF;
    return 0;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    out.insert(out.end(), always_ready_.begin(), always_ready_.end());
    if (!always_ready_.empty()) timeout = std::chrono::nanoseconds{0};
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
    for (event* e : events_)
      if (e) event_del(e);
    always_ready_.clear();
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
  static void on_fd(evutil_socket_t fd, short what, void* arg) {
    auto* self = static_cast<libevent_driver*>(arg);
    self->ready_.push_back({static_cast<int>(fd), (what & EV_READ ? io::read : io::none) |
                                                      (what & EV_WRITE ? io::write : io::none)});
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
  std::vector<event*> events_;          // by fd
  std::vector<ready_fd> always_ready_;  // regular files
  bool in_run_ = false;                 // on_run_event() runs
};

}  // namespace

std::unique_ptr<driver> make_libevent_driver(hubs::hub& h, void* loop) {
  return std::make_unique<libevent_driver>(h, static_cast<event_base*>(loop));
}

}  // namespace eventlet::embed::detail
