// The libevent backend: one persistent event per fd on an event_base of its own or the
// application's. Its epoll method refuses regular files, which poll and select call always
// ready: so does this backend, without asking libevent.
//
// libevent's messages go through the library's log hook. libevent ends the process on a fatal
// error (say, no fd left for its internal pipe): around the calls of ours that can meet one,
// its fatal callback jumps back instead, and the call fails with std::system_error. A base
// left half-done that way is not used again.
#include "libevent.hpp"

#include <dlfcn.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

#include "../base/errors.hpp"
#include "../base/fd.hpp"
#include "../base/log.hpp"
#include "../base/scope_exit.hpp"
#include "detail/escape.hpp"

namespace eventlet::hubs {
namespace {

// The way out of our calls into libevent on this thread.
thread_local detail::escape fatal_exit;
// The last error libevent logged on this thread, and errno then: what a fatal error was about.
// (A plain array: a thread-local with a destructor may be gone when the hub shuts down at
// thread exit.)
thread_local char last_error[256];
thread_local int last_errno = 0;

void on_log(int severity, const char* message) {
  const int error = errno;
  log_level level = severity == EVENT_LOG_DEBUG  ? log_level::debug
                    : severity == EVENT_LOG_MSG  ? log_level::info
                    : severity == EVENT_LOG_WARN ? log_level::warning
                                                 : log_level::error;
  if (level == log_level::error) {
    std::snprintf(last_error, sizeof last_error, "%s", message);
    last_errno = error;
  }
  log(level, std::string("libevent: ") + message);
}

[[noreturn]] void on_fatal(int error) {
  fatal_exit.leave();
  log(log_level::error, "libevent: fatal error " + std::to_string(error) +
                            " outside eventlet's calls; libevent cannot go on");
  std::abort();
}

// Installs the callbacks above, once per process, before the first base is made.
void install_callbacks() {
  static std::once_flag once;
  std::call_once(once, [] {
    event_set_log_callback(&on_log);
    event_set_fatal_callback(&on_fatal);
  });
}

// Runs `call`, a call into libevent that must not end the process: returns false if libevent
// met a fatal error in it.
template <typename F>
bool survive_fatal(F call) {
  return detail::run_escapable(fatal_exit, call);
}

// libevent needs a few fds of its own for a base (its backend's, and a pipe for signals), and
// ends the process (or here, fails fatally, leaking the half-made base) when it cannot have
// them. Checks first that they are there, so that running out of fds is a plain error.
void check_fds_for_base(const char* what) {
  int fds[4];
  os::make_pipe(fds, false, what);
  const scope_exit close_first([&fds] {
    close(fds[0]);
    close(fds[1]);
  });
  os::make_pipe(fds + 2, false, what);
  close(fds[2]);
  close(fds[3]);
}

[[noreturn]] void throw_fatal(const char* what) {
  os::throw_error(last_errno ? last_errno : EIO, std::string(what) + ": libevent failed: " +
                                                     (last_error[0] ? last_error : "fatal error"));
}

// Frees a base the backend made.
struct free_base {
  void operator()(event_base* base) const noexcept { event_base_free(base); }
};

class libevent_hub_backend final : public backend {
 public:
  // `owned` is `base` when the backend made it (and frees it), else null.
  libevent_hub_backend(event_base* base, std::unique_ptr<event_base, free_base> owned)
      : owned_base_(std::move(owned)),
        base_(base),
        timer_(evtimer_new(base, &on_timer, nullptr)),
        fds_(base, &on_event, this) {
    if (!timer_) os::throw_error(ENOMEM, "evtimer_new");
  }

  ~libevent_hub_backend() override { event_free(timer_); }  // fds_, then the base, go next

  std::string_view name() const noexcept override { return "libevent"; }

  int update(int fd, io, io to) override { return fds_.update(fd, to); }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    if (broken_) throw_fatal("event_base_loop");
    const std::vector<ready_fd>& always_ready = fds_.always_ready();
    out.insert(out.end(), always_ready.begin(), always_ready.end());
    int flags = EVLOOP_ONCE;
    if (timeout.count() == 0 || !always_ready.empty()) {
      flags |= EVLOOP_NONBLOCK;
    } else if (timeout.count() > 0) {
      const timeval tv{static_cast<time_t>(timeout.count() / 1'000'000'000),
                       static_cast<suseconds_t>((timeout.count() % 1'000'000'000 + 999) / 1000)};
      event_add(timer_, &tv);
    }
    out_ = &out;
    int r = 0;
    const bool survived = survive_fatal([this, flags, &r] { r = event_base_loop(base_, flags); });
    out_ = nullptr;
    if (!survived) {
      broken_ = true;
      throw_fatal("event_base_loop");
    }
    event_del(timer_);
    if (r < 0) os::throw_error(EIO, "event_base_loop");
  }

  int after_fork() noexcept override {
    // event_reinit() gives the base kernel state of its own and adds its events there again;
    // it reports failure when one of them is an fd closed meanwhile, which the events dropped
    // below make harmless. Only a fatal error leaves the base unusable.
    try {
      check_fds_for_base("event_reinit");
    } catch (const std::system_error& e) {
      broken_ = true;
      return e.code().value();
    }
    if (!survive_fatal([this] { event_reinit(base_); })) {
      broken_ = true;
      return EIO;
    }
    fds_.forget();
    return 0;
  }

 private:
  static void on_event(int fd, short what, void* arg) {
    auto* self = static_cast<libevent_hub_backend*>(arg);
    if (!self->out_) return;
    self->out_->push_back({fd, libevent_fds::events(what)});
  }

  static void on_timer(evutil_socket_t, short, void*) {}  // only ends the loop

  std::unique_ptr<event_base, free_base> owned_base_;  // null: the application's
  event_base* base_;
  bool broken_ = false;  // a fatal error left the base half-done
  event* timer_;
  libevent_fds fds_;
  std::vector<ready_fd>* out_ = nullptr;
};

// libev exports libevent 1.x names (event_add, event_del, ...). Where libev comes first in the
// process's symbol search order, libevent's own calls land in libev and crash: refuse instead.
const char* interposed() noexcept {
  Dl_info ours{}, theirs{};
  const bool found_ours = dladdr(reinterpret_cast<void*>(&event_del), &ours) != 0;
  const bool found_theirs = dladdr(reinterpret_cast<void*>(&event_new), &theirs) != 0;
  // In a fully static program dladdr() knows nothing; there the link itself fails when libev
  // comes first (duplicate definitions).
  if (!found_ours && !found_theirs) return nullptr;
  if (!found_ours || !found_theirs || !ours.dli_fname || !theirs.dli_fname ||
      std::strcmp(ours.dli_fname, theirs.dli_fname) != 0)
    return "libevent's event_del comes from another library (libev's libevent compatibility?): "
           "link libevent before libev";
  return nullptr;
}

void check_not_interposed() {
  if (const char* why = interposed()) os::throw_error(ELIBBAD, why);
}

const char* libevent_unusable() noexcept {
  if (const char* why = interposed()) return why;
  // event_get_supported_methods() frees and remakes a static array on every call, so two
  // threads making hubs at once would race (ThreadSanitizer saw it). The answer never changes:
  // it is asked once.
  static const bool has_method = [] {
    const char** methods = event_get_supported_methods();
    return methods && methods[0];
  }();
  return has_method ? nullptr : "libevent supports no method here";
}

std::unique_ptr<backend> make_libevent_backend() {
  check_not_interposed();
  install_callbacks();
  // libevent's own clock is coarse (a 10 us sleep takes up to one tick, 4 ms here). Its
  // EVENT_BASE_FLAG_PRECISE_TIMER would fix that at a timerfd_settime() call per dispatch,
  // half again the cost of a pipe round trip: an application that wants it can pass its own
  // base to libevent_backend().
  check_fds_for_base("event_base_new");
  event_base* base = nullptr;
  if (!survive_fatal([&base] { base = event_base_new(); })) throw_fatal("event_base_new");
  if (!base) os::throw_error(errno ? errno : ENOMEM, "event_base_new");
  std::unique_ptr<event_base, free_base> owned(base);
  return std::make_unique<libevent_hub_backend>(base, std::move(owned));
}

}  // namespace

// libevent's callback type, with evutil_socket_t spelled int in libevent.hpp.
static_assert(std::is_same_v<evutil_socket_t, int>);
static_assert(libevent_fds::ev_read == EV_READ && libevent_fds::ev_write == EV_WRITE);

libevent_fds::~libevent_fds() {
  for (event* e : events_)
    if (e) event_free(e);
}

int libevent_fds::update(int fd, io to) {
  if (static_cast<std::size_t>(fd) >= events_.size()) events_.resize(fd + 1, nullptr);
  event*& e = events_[fd];
  if (e) event_del(e);
  std::erase_if(always_ready_, [fd](const ready_fd& r) { return r.fd == fd; });
  if (!any(to)) return 0;
  // libevent would take a closed fd and then never report it (epoll refuses it only when
  // libevent applies the change): ask the kernel first.
  struct stat st;
  if (fstat(fd, &st) != 0) return errno;
  if (S_ISREG(st.st_mode)) {
    always_ready_.push_back({fd, to});
    return 0;
  }
  const short what =
      EV_PERSIST | (any(to & io::read) ? EV_READ : 0) | (any(to & io::write) ? EV_WRITE : 0);
  if (!e) {
    e = event_new(base_, fd, what, cb_, arg_);
    if (!e) return ENOMEM;
  } else if (event_assign(e, base_, fd, what, cb_, arg_) != 0) {
    return EINVAL;
  }
  errno = 0;
  if (event_add(e, nullptr) != 0) return errno ? errno : EBADF;
  return 0;
}

void libevent_fds::forget() noexcept {
  for (event* e : events_)
    if (e) event_del(e);
  always_ready_.clear();
}

extern constinit const backend_entry libevent_entry{"libevent", &libevent_unusable,
                                                    &make_libevent_backend};

std::unique_ptr<backend> libevent_backend(event_base* base) {
  if (!base) throw std::invalid_argument("libevent_backend: null base");
  check_not_interposed();
  install_callbacks();
  return std::make_unique<libevent_hub_backend>(base, nullptr);
}

}  // namespace eventlet::hubs
