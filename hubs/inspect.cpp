// The hub's read-only views for diagnostics: its greenthreads, listeners, timers and run
// queue as copies (eventlet::debug and the backdoor console format them).
#include <algorithm>

#include "detail/internal.hpp"

namespace eventlet::hubs {

std::vector<eventlet::greenlet*> hub::greenthreads() const {
  std::vector<eventlet::greenlet*> all;
  all.reserve(tasks_.size);
  for (const task* t = tasks_.first; t; t = t->next_) all.push_back(t->greenlet_);
  return all;
}

std::vector<task*> hub::tasks() const {
  std::vector<task*> all;
  all.reserve(tasks_.size);
  for (task* t = tasks_.first; t; t = t->next_) all.push_back(t);
  return all;
}

std::vector<hub::listener_info> hub::listeners() const {
  std::vector<listener_info> all;
  for (const detail::fd_entry& e : fds_) {
    for (const listener* l : e.readers)
      if (l != wake_listener_ && !l->removed) all.push_back({l->fd, l->events});
    for (const listener* l : e.writers)  // one waiting for both is listed once, as a reader
      if (!l->removed && !any(l->events & io::read)) all.push_back({l->fd, l->events});
  }
  return all;
}

std::vector<hub::timer_info> hub::timers() const {
  std::vector<timer_info> all;
  for (const queued_call* list : {&running_, &run_queue_})
    for (const queued_call* q = list->next_; q != list; q = q->next_)
      if (q->run_ == &run_entry)
        all.push_back({0, static_cast<const detail::timer_entry*>(q)->target});
  std::vector<const detail::timer_entry*> delayed;
  for (const detail::timer_entry* e : heap_)
    if (e->pending) delayed.push_back(e);
  std::sort(delayed.begin(), delayed.end(), [](auto* a, auto* b) {
    return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
  });
  for (const detail::timer_entry* e : delayed)
    all.push_back({static_cast<double>(e->deadline) * 1e-9, e->target});
  return all;
}

std::vector<const eventlet::greenlet*> hub::runnable() const {
  std::vector<const eventlet::greenlet*> all;
  for (const queued_call* list : {&running_, &run_queue_})
    for (const queued_call* q = list->next_; q != list; q = q->next_) {
      if (q->run_ == &wakeup::resume) all.push_back(static_cast<const wakeup*>(q)->greenlet_);
      if (q->run_ == &run_entry)
        if (const eventlet::greenlet* g = static_cast<const detail::timer_entry*>(q)->target)
          all.push_back(g);
    }
  return all;
}

std::size_t hub::run_queue_length() const noexcept {
  std::size_t n = 0;
  for (const queued_call* list : {&running_, &run_queue_})
    for (const queued_call* q = list->next_; q != list; q = q->next_) ++n;
  return n;
}

}  // namespace eventlet::hubs
