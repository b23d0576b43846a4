// The queue family, like eventlet.queue: light_queue<T> (FIFO), queue<T> (FIFO, with
// task_done() and join()), priority_queue<T> (smallest first) and lifo_queue<T> (last in,
// first out), all one implementation over a container policy.
//
//   eventlet::queue<std::string> jobs(100);  // at most 100 waiting items
//   eventlet::spawn([&] { for (;;) { handle(jobs.get()); jobs.task_done(); } });
//   jobs.put("first");                       // blocks while the queue is full
//   jobs.join();                             // until every item put is task_done()
//
// maxsize: nullopt (the default) is unbounded; 0 makes a rendezvous (put() waits until a
// getter takes the item, as channel<T> does); n > 0 bounds the queue. Blocked getters and
// putters are served first come, first served: a put() hands its item straight to the
// longest-waiting getter, and a get() from a full queue moves the longest-waiting putter's item
// in. A greenthread killed after it was handed an item gives the item back (to the next getter,
// else to the front of the queue), so nothing is lost or duplicated; such an item may take
// qsize() past maxsize() until it is taken. A putter killed after its item was taken has put
// it. Non-blocking calls (put_nowait(), get_nowait(), qsize(), ...) are safe from the hub
// greenlet; calls that would block there throw hubs::hub_error. A queue belongs to the thread
// that made it: calls from another thread throw hubs::hub_error.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../base/errors.hpp"
#include "../base/export.hpp"
#include "detail/queue_core.hpp"

namespace eventlet {

// queue_empty is thrown by get_nowait() on an empty queue and by get(timeout) when no item
// comes in time: a timeout_error, as get_nowait() is get() with no time to wait.
class EVENTLET_API queue_empty : public timeout_error {
 public:
  using timeout_error::timeout_error;
};

// queue_full is thrown by put_nowait() on a full queue and by put(item, timeout) when no room
// (or, for maxsize 0, no getter) comes in time: a timeout_error, as queue_empty is.
class EVENTLET_API queue_full : public timeout_error {
 public:
  using timeout_error::timeout_error;
};

namespace detail {

// Container policies: where a queue keeps its items. push() adds an item, pop() removes the
// next one out, unget() puts one back so that it is the next one out (for a priority queue,
// back in its place by priority); empty() is there because std::deque computes its size.
template <typename T>
class fifo_buffer {
 public:
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void push(T&& item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  void unget(T&& item) { items_.push_front(std::move(item)); }

 private:
  std::deque<T> items_;
};

template <typename T>
class lifo_buffer {
 public:
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void push(T&& item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  void unget(T&& item) { push(std::move(item)); }

 private:
  std::vector<T> items_;
};

template <typename T, typename Compare>
class heap_buffer {
 public:
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void push(T&& item) {
    items_.push_back(std::move(item));
    std::push_heap(items_.begin(), items_.end(), later{compare_});
  }
  T pop() {
    std::pop_heap(items_.begin(), items_.end(), later{compare_});
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  void unget(T&& item) { push(std::move(item)); }

 private:
  // The std heap functions keep the greatest item first; ordered by `later`, that is the
  // smallest by Compare.
  struct later {
    Compare& compare;
    bool operator()(const T& a, const T& b) const { return compare(b, a); }
  };
  std::vector<T> items_;
  [[no_unique_address]] Compare compare_;
};

// The timeout of a queue call, checked: throws std::invalid_argument naming `what` for NaN or
// a negative time.
inline double queue_timeout(double timeout, const char* what) {
  if (std::isnan(timeout) || timeout < 0)
    throw std::invalid_argument(std::string(what) + ": timeout must be a number >= 0");
  return timeout;
}

// A queue over the container policy `Buffer`: light_queue<T> and, with task tracking,
// joinable_queue below.
template <typename T, typename Buffer>
class basic_queue {
 public:
  // basic_queue() makes an empty queue of at most `maxsize` items (nullopt: unbounded; 0: a
  // rendezvous), owned by the calling thread.
  explicit basic_queue(std::optional<std::size_t> maxsize = std::nullopt)
      : core_("queue get", "queue put", maxsize) {}
  basic_queue(const basic_queue&) = delete;
  basic_queue& operator=(const basic_queue&) = delete;

  // put() adds `item`, blocking while the queue is full (with maxsize 0, until a getter takes
  // it). Throws hubs::hub_error from the hub greenlet if it would block.
  void put(T item) {
    owner_.check("queue::put");
    core_.put(item, -1);
  }

  // put(item, timeout) is put() for at most `timeout` seconds: throws queue_full if the time
  // runs out first, std::invalid_argument for a negative or NaN timeout.
  void put(T item, double timeout) {
    owner_.check("queue::put");
    if (!core_.put(item, queue_timeout(timeout, "queue::put")))
      throw queue_full("queue::put: the queue stayed full for the whole timeout");
  }

  // put_nowait() adds `item` if that needs no wait (room, or a waiting getter), else throws
  // queue_full. Non-blocking.
  void put_nowait(T item) {
    owner_.check("queue::put_nowait");
    if (!core_.try_put(item)) throw queue_full("queue::put_nowait: the queue is full");
  }

  // get() removes and returns the next item, blocking while there is none. Throws
  // hubs::hub_error from the hub greenlet if it would block.
  T get() {
    owner_.check("queue::get");
    return std::move(*core_.get(-1));
  }

  // get(timeout) is get() for at most `timeout` seconds: throws queue_empty if the time runs
  // out first, std::invalid_argument for a negative or NaN timeout.
  T get(double timeout) {
    owner_.check("queue::get");
    std::optional<T> item = core_.get(queue_timeout(timeout, "queue::get"));
    if (!item) throw queue_empty("queue::get: no item came within the timeout");
    return std::move(*item);
  }

  // try_get(timeout) is get(timeout) returning empty rather than throwing when the time runs
  // out.
  std::optional<T> try_get(double timeout) {
    owner_.check("queue::try_get");
    return core_.get(queue_timeout(timeout, "queue::try_get"));
  }

  // get_nowait() removes and returns the next item (or a waiting putter's), else throws
  // queue_empty. Non-blocking.
  T get_nowait() {
    owner_.check("queue::get_nowait");
    std::optional<T> item = core_.try_get();
    if (!item) throw queue_empty("queue::get_nowait: the queue is empty");
    return std::move(*item);
  }

  // wait_nonempty() waits until get_nowait() would return an item (one is buffered, or a
  // putter waits with one), without taking it: what wait_any() uses. Another greenthread may
  // take the item before the caller does. With a `timeout`, throws timeout_error if none comes
  // within `timeout` seconds. Throws hubs::hub_error from the hub greenlet,
  // std::invalid_argument for a negative or NaN timeout.
  void wait_nonempty(std::optional<double> timeout = std::nullopt) {
    owner_.check("queue::wait_nonempty");
    if (!core_.wait_item(timeout ? queue_timeout(*timeout, "queue::wait_nonempty") : -1))
      throw timeout_error("queue::wait_nonempty: no item came within the timeout");
  }

  // try_wait_nonempty() is wait_nonempty() returning false rather than throwing when the time
  // runs out.
  bool try_wait_nonempty(double timeout) {
    owner_.check("queue::try_wait_nonempty");
    return core_.wait_item(queue_timeout(timeout, "queue::try_wait_nonempty"));
  }

  // qsize() is the number of items in the queue (not counting blocked putters' items).
  std::size_t qsize() const {
    owner_.check("queue::qsize");
    return core_.size();
  }

  // empty() tells whether qsize() is 0.
  bool empty() const {
    owner_.check("queue::empty");
    return core_.empty();
  }

  // full() tells whether the queue holds maxsize() items or more (with maxsize 0, always; a
  // put() then blocks unless a getter waits).
  bool full() const {
    owner_.check("queue::full");
    return core_.full();
  }

  // maxsize() is the bound: nullopt for an unbounded queue.
  std::optional<std::size_t> maxsize() const {
    owner_.check("queue::maxsize");
    return core_.maxsize();
  }

  // resize() changes the bound (nullopt: unbounded); blocked putters it makes room for put
  // their items in and resume. Shrinking keeps the items already in.
  void resize(std::optional<std::size_t> maxsize) {
    owner_.check("queue::resize");
    core_.resize(maxsize);
  }

  // getting() is the number of greenthreads blocked in get().
  std::size_t getting() const {
    owner_.check("queue::getting");
    return core_.getting();
  }

  // putting() is the number of greenthreads blocked in put().
  std::size_t putting() const {
    owner_.check("queue::putting");
    return core_.putting();
  }

 protected:
  thread_owned owner_;
  queue_core<T, Buffer> core_;
};

// basic_queue with task tracking, like Python's queue.Queue: every item put counts as a task
// until task_done() is called for it.
template <typename T, typename Buffer>
class joinable_queue : public basic_queue<T, Buffer> {
 public:
  using basic_queue<T, Buffer>::basic_queue;

  // task_done() marks one item taken with get() as processed; join() returns once all are.
  // Throws std::logic_error if called more times than items were put. Non-blocking.
  void task_done() {
    this->owner_.check("queue::task_done");
    if (this->core_.unfinished() == 0)
      throw std::logic_error("queue::task_done: called more times than items were put");
    this->core_.finish_one();
    if (this->core_.unfinished() == 0) joiners_.wake_all();
  }

  // join() blocks until every item put has been marked with task_done(). Throws
  // hubs::hub_error from the hub greenlet if it would block.
  void join() {
    this->owner_.check("queue::join");
    if (this->core_.unfinished() == 0) return;
    wait_list::waiter w;
    joiners_.wait(w, -1);
  }

  // join(timeout) is join() for at most `timeout` seconds: throws timeout_error if tasks are
  // still not done then, std::invalid_argument for a negative or NaN timeout.
  void join(double timeout) {
    if (!try_join(timeout))
      throw timeout_error("queue::join: tasks were still not done at the timeout");
  }

  // try_join(timeout) is join(timeout) returning false rather than throwing when the time runs
  // out.
  bool try_join(double timeout) {
    this->owner_.check("queue::join");
    queue_timeout(timeout, "queue::join");
    if (this->core_.unfinished() == 0) return true;
    wait_list::waiter w;
    return joiners_.wait(w, timeout);
  }

 private:
  wait_list joiners_{"queue join"};
};

}  // namespace detail

// light_queue<T>: a FIFO queue without task tracking, like eventlet.queue.LightQueue.
template <typename T>
using light_queue = detail::basic_queue<T, detail::fifo_buffer<T>>;

// queue<T>: a FIFO queue with task_done() and join(), like eventlet.queue.Queue.
template <typename T>
using queue = detail::joinable_queue<T, detail::fifo_buffer<T>>;

// priority_queue<T, Compare>: get() returns the smallest item by Compare first (as Python's
// heapq does); items that compare equal come out in no particular order.
template <typename T, typename Compare = std::less<T>>
using priority_queue = detail::joinable_queue<T, detail::heap_buffer<T, Compare>>;

// lifo_queue<T>: get() returns the most recently put item first.
template <typename T>
using lifo_queue = detail::joinable_queue<T, detail::lifo_buffer<T>>;

}  // namespace eventlet
