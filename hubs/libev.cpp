// The libev backend: one ev_io watcher per fd on an ev_loop of its own or the application's.
#include "libev.hpp"

#include <ev.h>

#include <stdexcept>
#include <system_error>

namespace eventlet::hubs {
namespace {

class libev_hub_backend final : public backend {
 public:
  libev_hub_backend(struct ev_loop* loop, bool owned) : loop_(loop), owned_(owned) {
    ev_init(&timer_, &on_timer);
  }

  ~libev_hub_backend() override {
    for (auto& w : watchers_)
      if (w && ev_is_active(w.get())) ev_io_stop(loop_, w.get());
    if (ev_is_active(&timer_)) ev_timer_stop(loop_, &timer_);
    if (owned_) ev_loop_destroy(loop_);
  }

  std::string_view name() const noexcept override { return "libev"; }

  int update(int fd, io, io to) override {
    if (static_cast<std::size_t>(fd) >= watchers_.size()) watchers_.resize(fd + 1);
    auto& w = watchers_[fd];
    if (!w) {
      w = std::make_unique<ev_io>();
      ev_init(w.get(), &on_io);
      w->data = this;
    }
    if (ev_is_active(w.get())) ev_io_stop(loop_, w.get());
    if (any(to)) {
      ev_io_set(w.get(), fd, (any(to & io::read) ? EV_READ : 0) | (any(to & io::write) ? EV_WRITE : 0));
      ev_io_start(loop_, w.get());
    }
    return 0;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    out_ = &out;
    if (timeout.count() > 0) {
      ev_timer_set(&timer_, static_cast<double>(timeout.count()) * 1e-9, 0.);
      ev_timer_start(loop_, &timer_);
    }
    ev_run(loop_, timeout.count() == 0 ? EVRUN_NOWAIT : EVRUN_ONCE);
    if (ev_is_active(&timer_)) ev_timer_stop(loop_, &timer_);
    out_ = nullptr;
  }

  void after_fork(const std::vector<std::pair<int, io>>&) override {
    ev_loop_fork(loop_);  // libev rebuilds its kernel state on the next iteration
  }

 private:
  static void on_io(struct ev_loop*, ev_io* w, int revents) {
    auto* self = static_cast<libev_hub_backend*>(w->data);
    if (!self->out_) return;
    if (revents & EV_ERROR) {  // libev could not watch it (a closed fd)
      self->out_->push_back({w->fd, io::none, EBADF});
      return;
    }
    self->out_->push_back({w->fd, (revents & EV_READ ? io::read : io::none) |
                                      (revents & EV_WRITE ? io::write : io::none)});
  }

  static void on_timer(struct ev_loop*, ev_timer*, int) {}  // only ends ev_run

  struct ev_loop* loop_;
  bool owned_;
  ev_timer timer_;
  std::vector<std::unique_ptr<ev_io>> watchers_;  // by fd
  std::vector<ready_fd>* out_ = nullptr;
};

}  // namespace

std::unique_ptr<backend> make_libev_backend() {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  if (!loop) throw std::system_error(ENOSYS, std::generic_category(), "ev_loop_new");
  return std::make_unique<libev_hub_backend>(loop, true);
}

std::unique_ptr<backend> libev_backend(struct ev_loop* loop) {
  if (!loop) throw std::invalid_argument("libev_backend: null loop");
  return std::make_unique<libev_hub_backend>(loop, false);
}

}  // namespace eventlet::hubs
