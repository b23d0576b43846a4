#include "greenthread.hpp"

#include <algorithm>
#include <cmath>

namespace eventlet {
namespace detail {

greenthread_core::greenthread_core(void (*destroy)(greenthread_core*),
                                   void (*body)(greenthread_core*), double delay)
    : destroy_(destroy),
      hub_(hubs::get_hub()),
      greenlet_(
          [this, body](std::any) -> std::any {
            body(this);
            return {};
          },
          hub_.greenlet()) {
  start_ = hub_.schedule_call_global(delay, [this] { greenlet_.switch_to(); });
}

void greenthread_core::wait() {
  if (!done_) {
    eventlet::greenlet* self = getcurrent();
    if (self == hub_.greenlet())
      throw hubs::hub_error("greenthread::wait() from the hub greenlet: do not call blocking "
                            "functions from the hub");
    waiters_.push_back(self);
    struct leave {
      std::vector<eventlet::greenlet*>& w;
      eventlet::greenlet* self;
      ~leave() { std::erase(w, self); }
    } on_exit{waiters_, self};
    while (!done_) hub_.switch_();
  }
  if (error_) std::rethrow_exception(error_);
}

std::size_t greenthread_core::link(std::function<void()> fn) {
  if (done_) {
    fn();
    return 0;
  }
  links_.emplace_back(next_link_, std::move(fn));
  return next_link_++;
}

bool greenthread_core::unlink(std::size_t id) noexcept {
  return std::erase_if(links_, [id](const auto& l) { return l.first == id; }) > 0;
}

void greenthread_core::finish(std::exception_ptr error) {
  done_ = true;
  error_ = std::move(error);
  for (auto& [id, fn] : std::exchange(links_, {})) {
    try {
      fn();
    } catch (...) {
      hub_.report_exception(std::current_exception(), "a greenthread link");
    }
  }
  // Waiters resume, and the greenthread's own reference goes, on the next pass: by then its
  // greenlet has finished and left its stack.
  hub_.schedule_call_global(0, [this] {
    struct release {
      greenthread_core* self;
      ~release() { self->unref(); }  // also if the hub is killed while a waiter runs
    } on_exit{this};
    resume_waiters();
  });
}

void greenthread_core::resume_waiters() {
  while (!waiters_.empty()) {
    eventlet::greenlet* w = waiters_.front();
    waiters_.erase(waiters_.begin());
    w->switch_to();
  }
}

void greenthread_core::kill(std::exception_ptr e) {
  if (done_) return;
  if (!greenlet_.started()) {  // finish it as if its function had thrown `e`, never running
    start_.cancel();
    finish(std::move(e));
    return;
  }
  eventlet::greenlet* self = getcurrent();
  if (self == &greenlet_) std::rethrow_exception(e);
  if (self == hub_.greenlet()) {
    greenlet_.throw_in(std::move(e));
    return;
  }
  // The killed greenthread finishes into the hub; the hub then resumes us.
  hubs::timer back = hub_.schedule_call_global(0, [self] { self->switch_to(); });
  greenlet_.throw_in(std::move(e));
  back.cancel();
}

bool greenthread_core::cancel() {
  if (done_ || greenlet_.started()) return false;
  kill(std::make_exception_ptr(greenlet_exit{}));
  return true;
}

}  // namespace detail

void sleep(double seconds) {
  if (std::isnan(seconds)) throw std::invalid_argument("sleep: seconds is NaN");
  hubs::hub& h = hubs::get_hub();
  eventlet::greenlet* self = getcurrent();
  if (self == h.greenlet())
    throw hubs::hub_error("sleep() in the hub greenlet (a timer or listener callback): do not "
                          "call blocking functions from the hub");
  hubs::timer t = h.schedule_call_global(seconds, [self] { self->switch_to(); });
  struct cancel_on_exit {
    hubs::timer& t;
    ~cancel_on_exit() { t.cancel(); }
  } on_exit{t};
  h.switch_();
}

hubs::timer call_after(double seconds, std::function<void()> fn) {
  return hubs::get_hub().schedule_call_global(seconds, std::move(fn));
}

}  // namespace eventlet
