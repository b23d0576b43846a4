// object_pool<T>: a pool of reusable items (connections, say), like eventlet.pools.Pool: made by a
// factory when needed, at most max_size at once, handed out by get() and given back by put().
//
//   eventlet::object_pool<connection> db(1, 10, [] { return connection("db:5432"); });
//   {
//     auto c = db.item();  // get(); put back when `c` goes out of scope
//     c->query("...");
//   }
//
// min_size items are made up front; get() hands out free items first in, first out, and makes
// a new one when none is free and fewer than max_size exist; beyond that it blocks until an
// item is put back. Blocked getters are served first come, first served: put() hands its item
// straight to the longest-waiting one. A broken item is discard()ed instead of put back: it is
// destroyed and its slot freed, so that the next get() makes a new one; a factory call that
// throws frees its slot too (get() rethrows). A getter killed (or timed out) after it was
// handed an item or a slot gives it on: nothing is lost. Non-blocking calls (get() while an
// item is free or can be made, put(), discard(), ...) are safe from the hub greenlet; a get()
// that would block there throws hubs::hub_error. A pool belongs to the thread that made it:
// calls from another thread throw hubs::hub_error. Destroying a pool destroys its free items;
// like a mutex, it must outlive the calls made on it: every item taken is back (put, discarded)
// and no greenthread is blocked in get() when it is destroyed.
#pragma once

#include <cmath>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "detail/wait_list.hpp"

namespace eventlet {

template <typename T>
class object_pool {
 public:
  class item_guard;

  // object_pool() makes `min_size` items with `create` at once, and more when needed, up to
  // `max_size`. Throws std::invalid_argument for an empty factory, a max_size of 0 or a
  // min_size above max_size; rethrows what `create` throws.
  object_pool(std::size_t min_size, std::size_t max_size, std::function<T()> create)
      : max_size_(max_size), create_(std::move(create)) {
    if (!create_) throw std::invalid_argument("object_pool: the factory is empty");
    if (max_size == 0) throw std::invalid_argument("object_pool: max_size must be at least 1");
    if (min_size > max_size) throw std::invalid_argument("object_pool: min_size is above max_size");
    for (; size_ < min_size; ++size_) free_.push_back(create_());
  }

  object_pool(const object_pool&) = delete;
  object_pool& operator=(const object_pool&) = delete;

  // get() returns a free item, or makes one if fewer than max_size exist, or else blocks until
  // one is put back (or discarded: then it makes one). Rethrows what the factory throws; throws
  // hubs::hub_error from the hub greenlet if it would block.
  T get() {
    owner_.check("object_pool::get");
    return take(-1);
  }

  // get(timeout) is get() for at most `timeout` seconds: throws timeout_error if no item comes
  // in time, std::invalid_argument for a negative or NaN timeout.
  T get(double timeout) {
    owner_.check("object_pool::get");
    if (std::isnan(timeout) || timeout < 0)
      throw std::invalid_argument("object_pool::get: timeout must be a number >= 0");
    return take(timeout);
  }

  // put() gives back an item taken with get(), to the longest-waiting getter if any. Throws
  // std::logic_error if no item is out. Non-blocking.
  void put(T item) {
    owner_.check("object_pool::put");
    check_out("object_pool::put");
    give(std::move(item));
  }

  // discard() destroys an item taken with get() instead of giving it back (it is broken, say),
  // so that a new one can be made in its place. Throws std::logic_error if no item is out.
  // Non-blocking.
  void discard(T /*item*/) {
    owner_.check("object_pool::discard");
    check_out("object_pool::discard");
    release_slot();
  }

  // item() is get() holding the item in an item_guard, which puts it back when destroyed.
  item_guard item() { return item_guard(*this, get()); }

  // item(timeout) is get(timeout) holding the item in an item_guard.
  item_guard item(double timeout) { return item_guard(*this, get(timeout)); }

  // free() is the number of get() calls that would not block: free items, and those that may
  // still be made.
  std::size_t free() const {
    owner_.check("object_pool::free");
    return free_.size() + (max_size_ - size_);
  }

  // waiting() is the number of greenthreads blocked in get().
  std::size_t waiting() const {
    owner_.check("object_pool::waiting");
    return getters_.size();
  }

  // item_guard: an item taken from a pool, put back when the guard is destroyed, unless
  // discarded. The pool must outlive it.
  class item_guard {
   public:
    item_guard(item_guard&& o) noexcept
        : pool_(std::exchange(o.pool_, nullptr)), item_(std::move(o.item_)) {}
    item_guard& operator=(item_guard&&) = delete;

    // ~item_guard() puts the item back.
    ~item_guard() {
      if (pool_) pool_->put(std::move(*item_));
    }

    T& operator*() noexcept { return *item_; }
    T* operator->() noexcept { return &*item_; }

    // discard() destroys the item instead of putting it back: see object_pool::discard(). Throws
    // std::logic_error if the guard holds no item (it was moved from, or discarded).
    void discard() {
      if (!pool_)
        throw std::logic_error("object_pool::item_guard::discard: the guard holds no item");
      std::exchange(pool_, nullptr)->discard(std::move(*item_));
      item_.reset();
    }

   private:
    friend class object_pool;
    item_guard(object_pool& p, T item) : pool_(&p), item_(std::move(item)) {}
    object_pool* pool_;
    std::optional<T> item_;
  };

 private:
  // take() is get() after the checks: `timeout` negative means no limit.
  T take(double timeout) {
    if (!free_.empty()) {
      T item = std::move(free_.front());
      free_.pop_front();
      return item;
    }
    if (size_ < max_size_) {  // (getters wait only when max_size items exist)
      ++size_;
      return make();
    }
    std::optional<T> handed;
    detail::wait_list::waiter w;
    w.slot = &handed;
    if (!getters_.wait(w, timeout, &give_back, this))
      throw timeout_error("object_pool::get: no item came free within the timeout");
    if (handed) return std::move(*handed);
    return make();  // a slot was freed for this getter
  }

  // make() calls the factory for a slot the caller holds, freeing it if the factory throws.
  T make() {
    try {
      return create_();
    } catch (...) {
      release_slot();
      throw;
    }
  }

  // give() hands `item` to the longest-waiting getter, else keeps it free.
  void give(T&& item) {
    if (detail::wait_list::waiter* g = getters_.front()) {
      static_cast<std::optional<T>*>(g->slot)->emplace(std::move(item));
      getters_.wake(g);
    } else {
      free_.push_back(std::move(item));
    }
  }

  // release_slot() frees the slot of an item that is gone: the longest-waiting getter gets it
  // (and makes an item), else there is room for one more.
  void release_slot() {
    if (detail::wait_list::waiter* g = getters_.front())
      getters_.wake(g);
    else
      --size_;
  }

  void check_out(const char* what) const {
    if (size_ == free_.size())
      throw std::logic_error(std::string(what) +
                             ": no item of this pool is out (an item was given back twice, or "
                             "does not come from this pool)");
  }

  // What a getter killed after it was handed an item or a slot does with it.
  static void give_back(detail::wait_list::waiter& w, void* p) {
    auto& self = *static_cast<object_pool*>(p);
    auto& handed = *static_cast<std::optional<T>*>(w.slot);
    if (handed)
      self.give(std::move(*handed));
    else
      self.release_slot();
  }

  detail::thread_owned owner_;
  std::size_t size_ = 0;  // items in existence (free or out), and slots handed to getters
  std::size_t max_size_;
  std::function<T()> create_;
  std::deque<T> free_;
  detail::wait_list getters_{"object_pool get"};
};

}  // namespace eventlet
