// The libev loop driver: one ev_io per fd the hub watches, one ev_timer for its earliest
// deadline, and a check watcher that runs the hub after a poll that made it runnable. The check
// watcher has the lowest priority, so that libev calls it after the fd and timer watchers of the
// same iteration; an idle watcher, started while the hub has work, keeps libev from blocking in
// its poll meanwhile. The check watcher is not counted by ev_run() (ev_unref).
#include <ev.h>

#include <memory>

#include "../hubs/libev.hpp"
#include "detail/drivers.hpp"

namespace eventlet::embed::detail {
namespace {

using hubs::io;
using hubs::ready_fd;

class libev_driver final : public driver {
 public:
  libev_driver(hubs::hub& h, struct ev_loop* loop)
      : driver(h), loop_(loop), fds_(loop, &on_io, this) {
    ev_init(&timer_, &on_timer);
    timer_.data = this;
    ev_check_init(&check_, &on_check);
    ev_set_priority(&check_, EV_MINPRI);
    check_.data = this;
    ev_check_start(loop_, &check_);
    ev_unref(loop_);
    ev_idle_init(&idle_, &on_idle);
    ev_set_priority(&idle_, EV_MINPRI);
  }

  ~libev_driver() override {  // fds_ stops its watchers after
    if (ev_is_active(&timer_)) ev_timer_stop(loop_, &timer_);
    if (ev_is_active(&idle_)) ev_idle_stop(loop_, &idle_);
    ev_ref(loop_);
    ev_check_stop(loop_, &check_);
  }

  std::string_view name() const noexcept override { return "libev (joined)"; }

  int update(int fd, io, io to) override { return fds_.update(fd, to); }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    if (ev_is_active(&timer_)) ev_timer_stop(loop_, &timer_);
    if (timeout.count() == 0) {
      kick();
    } else if (timeout.count() > 0) {
      ev_timer_set(&timer_, static_cast<double>(timeout.count()) * 1e-9, 0.);
      ev_timer_start(loop_, &timer_);
    }
    park(out);
  }

  int after_fork() noexcept override {  // the application calls ev_loop_fork()
    fds_.stop_all();
    return 0;
  }

  void kick() noexcept override {
    runnable_ = true;
    if (!ev_is_active(&idle_)) ev_idle_start(loop_, &idle_);
  }

  void run_once() override { ev_run(loop_, EVRUN_ONCE); }

  bool in_callback() const noexcept override { return ev_depth(loop_) > 0; }

 private:
  static void on_io(struct ev_loop*, ev_io* w, int revents) {
    auto* self = static_cast<libev_driver*>(w->data);
    self->ready_.push_back(hubs::libev_fds::ready(w->fd, revents));
    self->runnable_ = true;
  }

  static void on_timer(struct ev_loop*, ev_timer* w, int) {
    static_cast<libev_driver*>(w->data)->runnable_ = true;
  }

  static void on_idle(struct ev_loop*, ev_idle*, int) {}  // only keeps the poll from blocking

  static void on_check(struct ev_loop* loop, ev_check* w, int) {
    auto* self = static_cast<libev_driver*>(w->data);
    if (!self->runnable_) return;
    self->runnable_ = false;
    if (ev_is_active(&self->idle_)) ev_idle_stop(loop, &self->idle_);
    self->on_run();
  }

  struct ev_loop* loop_;
  ev_timer timer_;
  ev_check check_;
  ev_idle idle_;
  bool runnable_ = false;
  hubs::libev_fds fds_;
};

}  // namespace

std::unique_ptr<driver> make_libev_driver(hubs::hub& h, void* loop) {
  return std::make_unique<libev_driver>(h, static_cast<struct ev_loop*>(loop));
}

}  // namespace eventlet::embed::detail
