// green_pile<T>: the results of greenthreads, in the order they were spawned, like
// eventlet.GreenPile; imap() and starmap() return one.
//
//   eventlet::green_pile<std::string> pages(10);          // on a green_pool of its own, of 10
//   for (const auto& url : urls) pages.spawn(fetch, url);  // blocks while 10 are running
//   for (std::string& page : pages) use(page);             // in spawn order
//
// Each result is taken once: next() (or iteration) waits for the earliest-spawned greenthread
// whose result was not taken yet and returns its result, or rethrows its exception; the next
// call goes on with the following one. If the wait is interrupted (a kill, a timeout), that
// greenthread stays first in line. The greenthreads run in a green_pool: the pile's own (made with
// a size), or one given, which must outlive the pile. Destroying a pile destroys its own pool (see
// green_pool.hpp: its greenthreads are killed) and kills imap()'s spawning greenthread; a given
// pool's greenthreads run on. Like a mutex, a pile must outlive the calls made on it: no
// greenthread may be blocked in its spawn() or next() when it is destroyed. Non-blocking calls
// (spawn() while the pool has room) are safe from the hub greenlet; calls that would block
// there throw hubs::hub_error. A pile belongs to the thread that made it: calls from another
// thread throw hubs::hub_error.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/wait_list.hpp"
#include "green_pool.hpp"
#include "greenthread.hpp"

namespace eventlet {

template <typename T>
class green_pile {
  static_assert(!std::is_void_v<T>,
                "green_pile<void>: a pile hands out results; to wait for functions that return "
                "nothing, use green_pool::waitall()");

 public:
  // green_pile() makes a pile whose greenthreads run in a green_pool of its own, of `size`.
  // Throws std::invalid_argument for a size of 0.
  explicit green_pile(std::size_t size = 1000)
      : own_pool_(std::make_unique<green_pool>(size)), pool_(*own_pool_) {}

  // green_pile(pool) makes a pile whose greenthreads run in `pool`, which must outlive it.
  explicit green_pile(green_pool& pool) : pool_(pool) {}

  // ~green_pile() kills imap()'s spawning greenthread and destroys the pile's own pool.
  ~green_pile() {
    if (producer_) detail::kill_from_destructor(*producer_, "green_pile::~green_pile");
  }

  green_pile(const green_pile&) = delete;
  green_pile& operator=(const green_pile&) = delete;

  // spawn() runs `f(args...)`, which must return T, in a greenthread of the pile's pool (see
  // green_pool::spawn(): it blocks while the pool is full) and adds it to the pile.
  template <typename F, typename... A>
  void spawn(F&& f, A&&... args) {
    owner_.check("green_pile::spawn");
    ++pending_;
    try {
      greenthread<T> gt = pool_.spawn(std::forward<F>(f), std::forward<A>(args)...);
      handles_.emplace_back(std::move(gt));
    } catch (...) {
      --pending_;
      throw;
    }
    arrivals_.wake_all();
  }

  // next() returns the result of the earliest-spawned greenthread not yet taken, blocking until
  // it finishes, or rethrows its exception; empty once every result was taken. Throws
  // hubs::hub_error from the hub greenlet if it would block.
  std::optional<T> next() {
    owner_.check("green_pile::next");
    while (pending_ > 0) {
      while (handles_.empty()) {  // being spawned by another greenthread
        detail::wait_list::waiter w;
        arrivals_.wait(w, -1);
      }
      if (handles_.front()) {
        greenthread<T> gt = std::move(*handles_.front());
        handles_.pop_front();
        --pending_;
        return take(gt);
      }
      handles_.pop_front();  // imap()'s producer is done
      --pending_;
      if (producer_error_) std::rethrow_exception(std::exchange(producer_error_, nullptr));
    }
    return std::nullopt;
  }

  // The pile's input iterator: ++ takes the next result (rethrowing an exception).
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    T& operator*() { return *value_; }
    T* operator->() { return &*value_; }
    iterator& operator++() {
      value_ = pile_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const noexcept { return !value_; }

   private:
    friend class green_pile;
    explicit iterator(green_pile* pile) : pile_(pile), value_(pile->next()) {}
    green_pile* pile_;
    std::optional<T> value_;
  };

  // begin() takes the next result, as next() does: iterating takes the results in spawn order.
  iterator begin() { return iterator(this); }

  // end() marks the point where every result has been taken.
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  template <typename F, typename Range>
  friend auto imap(green_pool& pool, F f, Range inputs);

  // The pile imap() returns: a greenthread of its own spawns f(x) for each x.
  template <typename F, typename Range>
  green_pile(green_pool& pool, F f, Range inputs) : pool_(pool) {
    pending_ = 1;  // the mark the producer leaves after its last spawn
    producer_.emplace(
        eventlet::spawn([this, f = std::move(f), inputs = std::move(inputs)]() mutable {
          try {
            for (auto&& x : inputs) this->spawn(f, x);
          } catch (...) {  // from the inputs or a spawn: next() rethrows it in its place
            producer_error_ = std::current_exception();
          }
          handles_.emplace_back();
          arrivals_.wake_all();
        }));
  }

  // take() waits for `gt`, just taken off the front, and returns its result or rethrows its
  // exception; if the wait itself is interrupted, `gt` goes back to the front.
  T take(greenthread<T>& gt) {
    try {
      return std::move(gt.wait());
    } catch (...) {
      if (!threw(gt, std::current_exception())) {
        handles_.emplace_front(std::move(gt));
        ++pending_;
        arrivals_.wake_all();
      }
      throw;
    }
  }

  // threw() tells whether `e` is the exception `gt` finished with.
  static bool threw(greenthread<T>& gt, const std::exception_ptr& e) {
    if (!gt.dead()) return false;
    try {
      gt.wait();
    } catch (...) {
      return std::current_exception() == e;
    }
    return false;
  }

  detail::thread_owned owner_;
  std::unique_ptr<green_pool> own_pool_;
  green_pool& pool_;
  // The spawned greenthreads whose results are not taken yet, in spawn order; empty where
  // imap()'s producer marked its end.
  std::deque<std::optional<greenthread<T>>> handles_;
  std::size_t pending_ = 0;  // handles, and spawns (or the producer's end) still to come
  detail::wait_list arrivals_{
      "green_pile next"};  // blocked in next() while the next handle is being spawned
  std::optional<greenthread<void>> producer_;  // imap()'s
  std::exception_ptr producer_error_;
};

// imap() calls `f(x)` for each x of `inputs` in greenthreads of `pool`, spawned in input order
// by a greenthread of its own (which blocks while the pool is full), and returns a green_pile
// giving the results in input order; it rethrows an exception at the item that threw it.
// `inputs` is moved (or copied) in; pass a view to avoid copying a container. The pool must
// outlive the pile. What the producer meets (the pool of another thread: hub_error) is rethrown
// in the place of the item it was spawning.
template <typename F, typename Range>
auto imap(green_pool& pool, F f, Range inputs) {
  using R = std::invoke_result_t<F&, std::ranges::range_value_t<Range>>;
  return green_pile<R>(pool, std::move(f), std::move(inputs));
}

// starmap() is imap() for a function of several arguments: each x of `inputs` is a tuple (or
// pair, or array) of them, and `f` is called as std::apply(f, x), like GreenPool.starmap.
template <typename F, typename Range>
auto starmap(green_pool& pool, F f, Range inputs) {
  return imap(
      pool, [f = std::move(f)](auto&& args) mutable { return std::apply(f, args); },
      std::move(inputs));
}

}  // namespace eventlet
