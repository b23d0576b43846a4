#include "wait_list.hpp"

#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

namespace eventlet::detail {

void thread_owned::refuse(const char* what) {
  throw hubs::hub_error(std::string(what) +
                        ": this object belongs to another thread's hub; use it from there (or "
                        "through a documented thread-safe entry point)");
}

void wait_list::unlink(waiter* w) noexcept {
  (w->prev ? w->prev->next : head_) = w->next;
  (w->next ? w->next->prev : tail_) = w->prev;
  w->prev = w->next = nullptr;
  w->listed = false;
  --size_;
}

void wait_list::wake(waiter* w) noexcept {
  unlink(w);
  w->woken = true;
  hubs::get_hub().queue(*w);
}

bool wait_list::wait(waiter& w, double timeout, give_back undo, void* context) {
  if (std::isnan(timeout)) throw std::invalid_argument("wait: timeout is NaN");
  hubs::hub& h = hubs::get_hub();
  w.prev = tail_;
  (tail_ ? tail_->next : head_) = &w;
  tail_ = &w;
  w.listed = true;
  ++size_;
  hubs::timer t;  // the timeout resumes the waiter without waking it
  struct leave {
    wait_list& list;
    waiter& w;
    hubs::timer& t;
    give_back undo;
    void* context;
    ~leave() {
      t.cancel();
      w.cancel();  // still queued if the timeout resumed it first
      if (w.listed) list.unlink(&w);
      if (w.woken && undo && std::uncaught_exceptions()) undo(w, context);
    }
  } on_exit{*this, w, t, undo, context};
  if (timeout >= 0) t = h.schedule_switch(timeout, getcurrent());
  while (!w.woken) {
    h.switch_();  // refuses in the hub greenlet
    if (timeout >= 0 && !t.pending()) break;  // timed out, unless woken meanwhile
  }
  return w.woken;
}

}  // namespace eventlet::detail
