// The libev backend: one ev_io watcher per fd on an ev_loop of its own or the application's.
//
// libev reports system errors (a failed epoll_wait, no fd for epoll after fork) to a callback,
// or else prints and aborts. Ours logs them through the library's log hook; inside our own
// calls into libev it also jumps back out, and the call fails with std::system_error instead
// of libev retrying forever.
#include "libev.hpp"

#include <ev.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>

#include "../base/errors.hpp"
#include "../base/fd.hpp"
#include "../base/log.hpp"
#include "detail/escape.hpp"

namespace eventlet::hubs {
namespace {

// The way out of our calls into libev on this thread, and the errno that took it.
thread_local detail::escape syserr_exit;
thread_local int syserr_errno = 0;

void on_syserr(const char* message) noexcept {
  const int error = errno;
  log(log_level::error, std::string("libev: ") + message + ": " + std::strerror(error));
  syserr_errno = error ? error : EIO;
  syserr_exit.leave();
}

void install_callbacks() {
  static std::once_flag once;
  std::call_once(once, [] { ev_set_syserr_cb(&on_syserr); });
}

// Runs `call`, a call into libev: returns the errno of a system error libev met in it, or 0.
template <typename F>
int survive_syserr(F call) {
  return detail::run_escapable(syserr_exit, call) ? 0 : syserr_errno;
}

class libev_hub_backend final : public backend {
 public:
  libev_hub_backend(struct ev_loop* loop, bool owned)
      : loop_(loop), owned_(owned), fds_(loop, &on_io, this) {
    ev_init(&timer_, &on_timer);
  }

  ~libev_hub_backend() override {
    stop_all();
    if (owned_) ev_loop_destroy(loop_);
  }

  std::string_view name() const noexcept override { return "libev"; }

  int update(int fd, io, io to) override { return fds_.update(fd, to); }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    if (timeout.count() > 0) {
      ev_timer_set(&timer_, static_cast<double>(timeout.count()) * 1e-9, 0.);
      ev_timer_start(loop_, &timer_);
    }
    out_ = &out;
    const int flags = timeout.count() == 0 ? EVRUN_NOWAIT : EVRUN_ONCE;
    const int error = survive_syserr([this, flags] { ev_run(loop_, flags); });
    out_ = nullptr;
    if (ev_is_active(&timer_)) ev_timer_stop(loop_, &timer_);
    if (error) os::throw_error(error, "libev: ev_run");
  }

  int after_fork() noexcept override {
    stop_all();
    if (!owned_) {
      ev_loop_fork(loop_);  // the application's loop: libev rebuilds it on its next run
      return 0;
    }
    // Our own loop is replaced outright: libev's rebuild after fork retries forever when the
    // kernel refuses it a new epoll fd.
    struct ev_loop* fresh = ev_loop_new(EVFLAG_AUTO);
    if (!fresh) return errno ? errno : ENOMEM;
    ev_loop_destroy(loop_);
    loop_ = fresh;
    fds_.set_loop(fresh);
    return 0;
  }

 private:
  void stop_all() noexcept {
    fds_.stop_all();
    if (ev_is_active(&timer_)) ev_timer_stop(loop_, &timer_);
  }

  static void on_io(struct ev_loop*, ev_io* w, int revents) {
    auto* self = static_cast<libev_hub_backend*>(w->data);
    if (self->out_) self->out_->push_back(libev_fds::ready(w->fd, revents));
  }

  static void on_timer(struct ev_loop*, ev_timer*, int) {}  // only ends ev_run

  struct ev_loop* loop_;
  bool owned_;
  ev_timer timer_;
  libev_fds fds_;
  std::vector<ready_fd>* out_ = nullptr;
};

}  // namespace

static_assert(libev_fds::ev_read == EV_READ && libev_fds::ev_write == EV_WRITE &&
              libev_fds::ev_error == int(EV_ERROR));

libev_fds::libev_fds(struct ev_loop* loop, callback cb, void* data) noexcept
    : loop_(loop), cb_(cb), data_(data) {}

libev_fds::~libev_fds() { stop_all(); }

int libev_fds::update(int fd, io to) {
  if (static_cast<std::size_t>(fd) >= watchers_.size()) watchers_.resize(fd + 1);
  auto& w = watchers_[fd];
  if (!w) {
    w = std::make_unique<ev_io>();
    ev_init(w.get(), cb_);
    w->data = data_;
  }
  if (ev_is_active(w.get())) ev_io_stop(loop_, w.get());
  if (!any(to)) return 0;
  // libev asserts when epoll refuses an fd as closed: ask the kernel first.
  if (!os::is_open(fd)) return errno;
  // ev_io_set() tells libev the fd may be a new file, so it registers it anew.
  ev_io_set(w.get(), fd, (any(to & io::read) ? EV_READ : 0) | (any(to & io::write) ? EV_WRITE : 0));
  ev_io_start(loop_, w.get());
  return 0;
}

void libev_fds::stop_all() noexcept {
  for (auto& w : watchers_)
    if (w && ev_is_active(w.get())) ev_io_stop(loop_, w.get());
}

namespace {

const char* libev_unusable() noexcept {
  return ev_supported_backends() & ev_recommended_backends() ? nullptr
                                                             : "libev supports no backend here";
}

std::unique_ptr<backend> make_libev_backend() {
  install_callbacks();
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  if (!loop) os::throw_error(errno ? errno : ENOMEM, "ev_loop_new");
  try {
    return std::make_unique<libev_hub_backend>(loop, true);
  } catch (...) {
    ev_loop_destroy(loop);
    throw;
  }
}

}  // namespace

extern constinit const backend_entry libev_entry{"libev", &libev_unusable, &make_libev_backend};

std::unique_ptr<backend> libev_backend(struct ev_loop* loop) {
  if (!loop) throw std::invalid_argument("libev_backend: null loop");
  install_callbacks();
  return std::make_unique<libev_hub_backend>(loop, false);
}

}  // namespace eventlet::hubs
