#include "wait_list.hpp"

#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

#include "../../base/scope_exit.hpp"

namespace eventlet::detail {

void thread_owned::refuse(const char* what) {
  throw hubs::hub_error(std::string(what) +
                        ": this object belongs to another thread's hub; use it from there (or "
                        "through a documented thread-safe entry point)");
}

constinit thread_local wait_list::handoff_state wait_list::handoff{};

void wait_list::suspend(hubs::hub& h, waiter& w) {
  waiter* next = handoff.next;
  if (next && handoff.by == w.self && next->is_queued() && w.self != h.greenlet() && hand_off()) {
    handoff.next = nullptr;
    next->cancel();  // it runs now rather than on the hub's next pass
    next->self->switch_to();
  } else {
    through_hub();
    h.switch_to();  // refuses in the hub greenlet
  }
}

bool wait_list::wait(waiter& w, double timeout, give_back undo, void* context) {
  if (std::isnan(timeout)) throw std::invalid_argument("wait: timeout is NaN");
  if (timeout == 0) return false;  // a zero timeout polls: it never suspends
  hubs::hub& h = hubs::get_hub();
  if (w.self == h.greenlet() || w.self == h.joined_loop()) [[unlikely]]
    h.check_can_block((std::string("a wait on ") + what_).c_str());  // throws, naming it
  w.prev = tail_;
  (tail_ ? tail_->next : head_) = &w;
  tail_ = &w;
  w.listed = true;
  ++size_;
  hubs::timer t;  // a timeout resumes the waiter without waking it
  const scope_exit leave([this, &w, &t] {
    if (handoff.next == &w) handoff.next = nullptr;
    t.cancel();
    w.cancel();  // still queued if the timeout resumed it first
    if (w.listed) unlink(&w);
  });
  try {
    if (timeout >= 0) t = h.schedule_switch(timeout, w.self);
    const hubs::wait_note note(w.self, what_);
    while (!w.woken) {
      suspend(h, w);
      if (timeout >= 0 && !t.pending()) break;  // timed out, unless woken meanwhile
    }
    return w.woken;
  } catch (...) {
    // Thrown in after it was picked: what it was handed must not be lost. (Not decided with
    // std::uncaught_exceptions(), which also counts a wait made while another unwinds.)
    if (w.woken && undo) undo(w, context);
    throw;
  }
}

}  // namespace eventlet::detail
