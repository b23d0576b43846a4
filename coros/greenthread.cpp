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
  if (delay > 0)
    start_later_ = hub_.schedule_switch(delay, &greenlet_);
  else if (std::isnan(delay))
    throw std::invalid_argument("spawn_after: delay is NaN");
  else
    hub_.queue(start_);
}

void greenthread_core::wait() {
  if (!done_) {
    eventlet::greenlet* self = getcurrent();
    if (self == hub_.greenlet())
      throw hubs::hub_error("greenthread::wait() from the hub greenlet: do not call blocking "
                            "functions from the hub");
    waiter me(self);
    me.next = waiters_;
    waiters_ = &me;
    struct leave {
      waiter*& list;
      waiter* me;
      ~leave() {  // still listed if resumed by something else, or by an exception
        for (waiter** w = &list; *w; w = &(*w)->next)
          if (*w == me) {
            *w = me->next;
            break;
          }
      }
    } on_exit{waiters_, &me};
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
  // On the next pass, when its greenlet has finished and left its stack, the greenthread's
  // own reference goes (the waiters hold handles), then the waiters resume.
  hub_.queue(release_);
  for (waiter* w = std::exchange(waiters_, nullptr); w; w = w->next) hub_.queue(*w);
}


void greenthread_core::kill(std::exception_ptr e) {
  if (done_) return;
  if (!greenlet_.started()) {  // finish it as if its function had thrown `e`, never running
    start_.cancel();
    start_later_.cancel();
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
  hubs::wakeup back(self);
  hub_.queue(back);
  greenlet_.throw_in(std::move(e));
}

bool greenthread_core::cancel() {
  if (done_ || greenlet_.started()) return false;
  kill(std::make_exception_ptr(greenlet_exit{}));
  return true;
}

}  // namespace detail

void detail::sleep_for(double seconds) {
  if (std::isnan(seconds)) throw std::invalid_argument("sleep: seconds is NaN");
  if (seconds < 0) return eventlet::sleep(0);
  hubs::hub& h = hubs::get_hub();
  eventlet::greenlet* self = getcurrent();
  if (self == h.greenlet()) h.switch_();  // refuses: a blocking call in the hub greenlet
  hubs::timer t = h.schedule_switch(seconds, self);
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
