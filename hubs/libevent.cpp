// The libevent backend: one persistent event per fd on an event_base of its own or the
// application's. Its epoll method refuses regular files, which poll and select call always
// ready: so does this backend, without asking libevent.
#include "libevent.hpp"

#include <dlfcn.h>
#include <event2/event.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace eventlet::hubs {
namespace {

class libevent_hub_backend final : public backend {
 public:
  libevent_hub_backend(event_base* base, bool owned)
      : base_(base), owned_(owned), timer_(evtimer_new(base, &on_timer, nullptr)) {
    if (!timer_) throw std::system_error(ENOMEM, std::generic_category(), "evtimer_new");
  }

  ~libevent_hub_backend() override {
    for (event* e : events_)
      if (e) event_free(e);
    event_free(timer_);
    if (owned_) event_base_free(base_);
  }

  std::string_view name() const noexcept override { return "libevent"; }

  int update(int fd, io, io to) override {
    if (static_cast<std::size_t>(fd) >= events_.size()) events_.resize(fd + 1, nullptr);
    event*& e = events_[fd];
    if (e) event_del(e);
    std::erase_if(always_ready_, [fd](const ready_fd& r) { return r.fd == fd; });
    if (!any(to)) return 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      always_ready_.push_back({fd, to});
      return 0;
    }
    const short what = EV_PERSIST | (any(to & io::read) ? EV_READ : 0) | (any(to & io::write) ? EV_WRITE : 0);
    if (!e) {
      e = event_new(base_, fd, what, &on_event, this);
      if (!e) return ENOMEM;
    } else if (event_assign(e, base_, fd, what, &on_event, this) != 0) {
      return EINVAL;
    }
    errno = 0;
    if (event_add(e, nullptr) != 0) return errno ? errno : EBADF;
    return 0;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    out_ = &out;
    out.insert(out.end(), always_ready_.begin(), always_ready_.end());
    int flags = EVLOOP_ONCE;
    if (timeout.count() == 0 || !always_ready_.empty()) {
      flags |= EVLOOP_NONBLOCK;
    } else if (timeout.count() > 0) {
      const timeval tv{static_cast<time_t>(timeout.count() / 1'000'000'000),
                       static_cast<suseconds_t>((timeout.count() % 1'000'000'000 + 999) / 1000)};
      event_add(timer_, &tv);
    }
    const int r = event_base_loop(base_, flags);
    event_del(timer_);
    out_ = nullptr;
    if (r < 0) throw std::system_error(EIO, std::generic_category(), "event_base_loop");
  }

  void after_fork(const std::vector<std::pair<int, io>>&) override {
    if (event_reinit(base_) != 0)
      throw std::system_error(EIO, std::generic_category(), "event_reinit");
  }

 private:
  static void on_event(evutil_socket_t fd, short what, void* arg) {
    auto* self = static_cast<libevent_hub_backend*>(arg);
    if (!self->out_) return;
    self->out_->push_back({static_cast<int>(fd), (what & EV_READ ? io::read : io::none) |
                                                     (what & EV_WRITE ? io::write : io::none)});
  }

  static void on_timer(evutil_socket_t, short, void*) {}  // only ends the loop

  event_base* base_;
  bool owned_;
  event* timer_;
  std::vector<event*> events_;  // by fd
  std::vector<ready_fd> always_ready_;  // regular files
  std::vector<ready_fd>* out_ = nullptr;
};

// libev exports libevent 1.x names (event_add, event_del, ...). Where libev comes first in the
// process's symbol search order, libevent's own calls land in libev and crash: refuse instead.
void check_not_interposed() {
  Dl_info ours{}, theirs{};
  if (!dladdr(reinterpret_cast<void*>(&event_del), &ours) ||
      !dladdr(reinterpret_cast<void*>(&event_new), &theirs) || !ours.dli_fname ||
      !theirs.dli_fname || std::strcmp(ours.dli_fname, theirs.dli_fname) != 0)
    throw std::system_error(ELIBBAD, std::generic_category(),
                            "libevent's event_del comes from another library (libev's libevent "
                            "compatibility?): link libevent before libev");
}

}  // namespace

std::unique_ptr<backend> make_libevent_backend() {
  check_not_interposed();
  // libevent's own clock is coarse (a 10 us sleep takes up to one tick, 4 ms here). Its
  // EVENT_BASE_FLAG_PRECISE_TIMER would fix that at a timerfd_settime() call per dispatch,
  // half again the cost of a pipe round trip: an application that wants it can pass its own
  // base to libevent_backend().
  event_base* base = event_base_new();
  if (!base) throw std::system_error(ENOSYS, std::generic_category(), "event_base_new");
  try {
    return std::make_unique<libevent_hub_backend>(base, true);
  } catch (...) {
    event_base_free(base);
    throw;
  }
}

std::unique_ptr<backend> libevent_backend(event_base* base) {
  if (!base) throw std::invalid_argument("libevent_backend: null base");
  check_not_interposed();
  return std::make_unique<libevent_hub_backend>(base, false);
}

}  // namespace eventlet::hubs
