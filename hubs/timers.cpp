// The hub's timers and run queue: scheduled calls in a heap by (deadline, seq), zero-delay ones
// and queued_calls in one FIFO run queue, and the handles that cancel them.
#include <algorithm>
#include <cmath>

#include "detail/internal.hpp"

namespace eventlet::hubs {
namespace {

using detail::timer_entry;

// Orders the heap as a min-heap on (deadline, seq).
bool later(const timer_entry* a, const timer_entry* b) {
  return a->deadline != b->deadline ? a->deadline > b->deadline : a->seq > b->seq;
}

}  // namespace

timer& timer::operator=(timer&& other) noexcept {
  if (this != &other) {
    timer dropped(std::move(*this));
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

// Drops one reference to a timer entry; the last one recycles it (or frees it, hub gone).
void hub::drop(timer_entry* e) noexcept {
  if (--e->refs) return;
  if (e->owner)
    e->owner->recycle(e);
  else
    delete e;
}

void detail::drop_timer(timer_entry* e) noexcept { hub::drop(e); }

void timer::cancel_entry() noexcept {
  if (!entry_->pending) return;
  entry_->pending = false;
  if (entry_->fn) entry_->fn = nullptr;  // release what the call captured now
  if (entry_->in_heap && entry_->owner) ++entry_->owner->heap_cancelled_;
  if (entry_->is_queued()) {  // out of the run queue at once, with the queue's reference
    entry_->queued_call::cancel();
    hub::drop(entry_);
  }
}

bool timer::pending() const noexcept { return entry_ && entry_->pending; }

void hub::recycle(timer_entry* e) noexcept {
  if (e->fn) e->fn = nullptr;
  if (spare_.size() < detail::max_spare_timers) {
    spare_.push_back(e);  // cannot throw: reserved in the constructor
  } else {
    delete e;
  }
}

std::size_t hub::timer_count() const noexcept {
  std::size_t n = heap_.size() - heap_cancelled_;
  for (const queued_call* list : {&run_queue_, &running_})
    for (const queued_call* q = list->next_; q != list; q = q->next_) n += q->run_ == &run_entry;
  return n;
}

timer hub::schedule_call_global(double seconds, callback fn) {
  return schedule(seconds, std::move(fn), nullptr);
}

timer hub::schedule_switch(double seconds, eventlet::greenlet* g) {
  return schedule(seconds, {}, g);
}

timer hub::schedule(double seconds, callback fn, eventlet::greenlet* target) {
  check_thread("schedule_call_global");
  check_open("schedule_call_global");
  if (std::isnan(seconds)) throw std::invalid_argument("schedule_call_global: delay is NaN");
  timer_entry* e;
  if (spare_.empty()) {
    e = new timer_entry(&run_entry, &discard_entry);
  } else {
    e = spare_.back();
    spare_.pop_back();
  }
  if (fn) e->fn = std::move(fn);
  e->target = target;
  e->owner = this;
  e->refs = 2;
  e->pending = true;
  e->in_heap = seconds > 0;
  if (!e->in_heap) {
    queue(*e);
    return timer(e);
  }
  const double ns = std::min(seconds * 1e9, 1e18);  // "forever" is 30 years
  e->deadline = detail::clock_ns(CLOCK_MONOTONIC) + static_cast<std::int64_t>(ns);
  e->seq = next_seq_++;
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), later);
  if (joined_) [[unlikely]]
    note_work();
  if (heap_cancelled_ > 1024 && heap_cancelled_ * 2 > heap_.size()) compact_timers();
  return timer(e);
}

// Drops cancelled timers from the heap, so memory stays bounded however many are cancelled.
void hub::compact_timers() {
  auto keep = std::partition(heap_.begin(), heap_.end(), [](timer_entry* e) { return e->pending; });
  for (auto it = keep; it != heap_.end(); ++it) {
    (*it)->in_heap = false;
    drop(*it);  // the heap's reference
  }
  heap_.erase(keep, heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), later);
  heap_cancelled_ = 0;
}

void hub::fire_timers() {
  if (heap_.empty()) return;
  const std::int64_t now = detail::clock_ns(CLOCK_MONOTONIC);
  // A timer scheduled while these run has a deadline after `now`: it waits for a later pass.
  while (!heap_.empty() && heap_.front()->deadline <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    timer_entry* e = heap_.back();
    heap_.pop_back();
    e->in_heap = false;
    if (!e->pending) --heap_cancelled_;
    fire(e);  // drops the heap's reference
  }
}

// Runs a pending timer: switches to its greenlet or calls its function (moved out first, so
// that the entry may be recycled meanwhile). Then drops the caller's reference to it (the
// heap's or the run queue's), also if the hub greenlet is killed meanwhile.
void hub::fire(timer_entry* e) {
  const scope_exit dropped([e] { drop(e); });
  if (!e->pending) return;
  e->pending = false;
  if (eventlet::greenlet* g = e->target) {
    try {
      g->switch_to();
    } catch (const greenlet_exit&) {
      throw;  // the hub greenlet itself is being killed
    } catch (...) {
      report_exception(std::current_exception(), "a timer");
    }
    return;
  }
  const callback fn = std::move(e->fn);
  call(fn, "a timer");
}

// A zero-delay timer reached in the run queue.
void hub::run_entry(queued_call& q) {
  auto* e = static_cast<timer_entry*>(&q);
  e->owner->fire(e);  // drops the queue's reference
}

void hub::run_queue() {
  if (empty(run_queue_)) return;
  // Move the queue into running_: what is queued from here on waits for the next pass.
  running_.next_ = run_queue_.next_;
  running_.prev_ = run_queue_.prev_;
  running_.next_->prev_ = &running_;
  running_.prev_->next_ = &running_;
  run_queue_.next_ = run_queue_.prev_ = &run_queue_;
  while (!empty(running_)) {
    queued_call* q = running_.next_;
    q->cancel();  // out first: running it may free it or queue it again
    try {
      // A wakeup switches right here rather than in a function call: when the greenlet comes
      // back, no `ret` is mispredicted from its return stack.
      if (q->run_ == &wakeup::resume)
        static_cast<wakeup*>(q)->greenlet_->switch_to();
      else
        q->run_(*q);
    } catch (const greenlet_exit&) {
      throw;  // the hub greenlet itself is being killed
    } catch (...) {
      report_exception(std::current_exception(), "a queued call");
    }
  }
}

// Takes every entry out of a run-queue list, discarding those that hold something.
void hub::unlink_all(queued_call& list) noexcept {
  while (!empty(list)) {
    queued_call* q = list.next_;
    q->cancel();
    if (q->discard_) q->discard_(*q);
  }
}

// A zero-delay timer dropped unrun (at shutdown): the queue's reference goes.
void hub::discard_entry(queued_call& q) noexcept {
  auto* e = static_cast<timer_entry*>(&q);
  e->pending = false;
  if (e->refs > 1) e->owner = nullptr;  // a handle may outlive the hub: it frees the entry
  drop(e);
}

}  // namespace eventlet::hubs
