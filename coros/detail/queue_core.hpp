// The engine every queue (queue.hpp) and semaphore (semaphore.hpp) runs on. Private to coros/.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "wait_list.hpp"

namespace eventlet::detail {

// The mechanism every queue and semaphore shares: a buffer, the blocked getters and putters
// in the order they came, and hand-over between them. The public classes check the thread and
// the arguments. A blocked getter's waiter slot points at an empty std::optional<T> in its
// frame, which a putter fills; a blocked putter's points at its item, which a getter takes.
template <typename T, typename Buffer>
class queue_core {
 public:
  // queue_core() names what its getters and putters wait on, as listings show it.
  queue_core(const char* get_what, const char* put_what, std::optional<std::size_t> maxsize,
             Buffer buffer = Buffer())
      : buffer_(std::move(buffer)), maxsize_(maxsize), getters_(get_what), putters_(put_what) {}

  // try_put() hands `item` to the longest-waiting getter, else buffers it if there is room;
  // returns false, leaving `item` alone, if the queue is full.
  bool try_put(T& item) {
    if (wait_list::waiter* g = getters_.front()) {
      hand(g, std::move(item));
    } else {
      if (!has_room()) return false;
      buffer_.push(std::move(item));
      tell_watchers();
    }
    ++unfinished_;
    return true;
  }

  // put() is try_put(), else waits up to `timeout` seconds (negative: no limit) until a getter
  // takes `item` or moves it in; returns false if the time ran out first.
  bool put(T& item, double timeout) {
    if (try_put(item)) return true;
    wait_list::waiter w;
    w.slot = &item;
    tell_watchers();  // a getter can take it from this putter now
    return putters_.wait(w, timeout);
  }

  // try_get() takes the next item, else the longest-waiting putter's (maxsize 0); empty if
  // there is neither.
  std::optional<T> try_get() {
    std::optional<T> item;
    if (!buffer_.empty()) {
      item.emplace(buffer_.pop());
      admit_putters();
    } else if (wait_list::waiter* p = putters_.front()) {
      item.emplace(std::move(*static_cast<T*>(p->slot)));
      ++unfinished_;
      putters_.wake(p);
    }
    return item;
  }

  // get() is try_get(), else waits up to `timeout` seconds (negative: no limit) for a putter to
  // hand over an item; empty if the time ran out first.
  std::optional<T> get(double timeout) {
    std::optional<T> item = try_get();
    if (item) return item;
    wait_list::waiter w;
    w.slot = &item;
    getters_.wait(w, timeout, &give_back, this);
    return item;
  }

  // wait_item() waits up to `timeout` seconds (negative: no limit) until try_get() would find
  // an item, without taking it; returns whether it would.
  bool wait_item(double timeout) {
    if (!buffer_.empty() || !putters_.empty()) return true;
    wait_list::waiter w;
    watchers_.wait(w, timeout);
    return !buffer_.empty() || !putters_.empty();
  }

  // resize() changes the bound; putters it makes room for move their items in.
  void resize(std::optional<std::size_t> maxsize) {
    maxsize_ = maxsize;
    admit_putters();
  }

  std::size_t size() const noexcept { return buffer_.size(); }
  bool empty() const noexcept { return buffer_.empty(); }
  std::optional<std::size_t> maxsize() const noexcept { return maxsize_; }
  bool full() const noexcept { return !has_room(); }
  std::size_t getting() const noexcept { return getters_.size(); }
  std::size_t putting() const noexcept { return putters_.size(); }

  // The items that went in (buffered or handed over) and were not yet marked done: what
  // queue<T>::join() waits for.
  std::size_t unfinished() const noexcept { return unfinished_; }
  void finish_one() noexcept { --unfinished_; }

 private:
  bool has_room() const noexcept { return !maxsize_ || buffer_.size() < *maxsize_; }

  // tell_watchers() wakes those in wait_item(): an item can be taken.
  void tell_watchers() noexcept {
    if (!watchers_.empty()) [[unlikely]]
      watchers_.wake_all();
  }

  // Gives `item` to the blocked getter `g` and wakes it.
  void hand(wait_list::waiter* g, T&& item) {
    static_cast<std::optional<T>*>(g->slot)->emplace(std::move(item));
    getters_.wake(g);
  }

  // Moves the longest-waiting putters' items in while there is room, waking the putters.
  void admit_putters() {
    while (wait_list::waiter* p = putters_.front()) {
      if (!has_room()) return;
      buffer_.push(std::move(*static_cast<T*>(p->slot)));
      ++unfinished_;
      putters_.wake(p);
    }
  }

  // What a getter killed after it was handed an item does with it: passes it on to the next
  // getter, else puts it back as the next one out.
  static void give_back(wait_list::waiter& w, void* core) {
    auto& self = *static_cast<queue_core*>(core);
    T& item = **static_cast<std::optional<T>*>(w.slot);
    if (wait_list::waiter* g = self.getters_.front())
      self.hand(g, std::move(item));
    else {
      self.buffer_.unget(std::move(item));
      self.tell_watchers();
    }
  }

  Buffer buffer_;
  std::optional<std::size_t> maxsize_;
  std::size_t unfinished_ = 0;
  wait_list getters_, putters_;
  wait_list watchers_{"queue wait_nonempty"};  // in wait_item()
};

}  // namespace eventlet::detail
