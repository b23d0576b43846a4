// smp::channel<T>: a bounded queue between threads. Any thread sends -- a greenthread on
// another hub, or a plain thread -- and greenthreads of the thread that made the channel
// receive, sleeping on their own hub while it is empty.
//
//   eventlet::smp::channel<job> jobs(1024);           // made on the receiving thread
//   eventlet::smp::run(4, [jobs](int) mutable {        // a copy is a handle to the same channel
//     jobs.send(make_job());                           // blocks (greenly) while it is full
//   });
//   job j = jobs.receive();                            // on the thread that made it
//
// Wake-ups cross threads through the hubs' wake-up fds (remote_hub::post), batched: while one
// wake-up for the receiving hub is on its way, further sends post none, and the receivers
// drain everything that arrived meanwhile. A sender blocked on a full channel sleeps on its own
// thread's hub (made there if the thread has none) and is woken the same way when a receiver
// makes room, first come, first served.
//
// Timeouts: receive(timeout) and send(value, timeout) throw eventlet::timeout_error when the
// time runs out; try_receive() and try_send() return at once (or after at most a timeout)
// with std::nullopt or false instead. A send that fails leaves the value with the caller.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "../base/errors.hpp"
#include "../base/export.hpp"
#include "../base/scope_exit.hpp"
#include "../coros/semaphore.hpp"
#include "../greenlet/greenlet.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::smp {

// channel_closed is thrown by a send on a closed channel, and by a receive on one that is
// closed and empty.
class EVENTLET_API channel_closed : public std::logic_error {
 public:
  channel_closed() : std::logic_error("smp::channel: the channel is closed") {}
};

template <typename T>
class channel {
 public:
  // channel() makes a channel holding at most `capacity` values, received on the calling
  // thread. Throws std::invalid_argument for a capacity of 0, std::system_error if the
  // thread's hub cannot be made.
  explicit channel(std::size_t capacity) : state_(std::make_shared<state>(capacity)) {}

  // Copies are handles to the same channel: give one to each sending thread. The values still
  // in it are freed with the last handle.

  // send() puts `value` at the end, blocking the calling greenthread (or thread) while the
  // channel is full. Throws channel_closed (the value stays with the caller),
  // hubs::blocking_call_error from the hub greenlet, and what is thrown into the waiting
  // greenthread (greenlet_exit, timeout_error).
  template <typename U = T>
  void send(U&& value) {
    put(std::forward<U>(value), -1, true);
  }

  // send(value, timeout) is send() for at most `timeout` seconds: throws timeout_error (the
  // value stays with the caller) when the time runs out. Throws std::invalid_argument for a
  // negative or NaN timeout.
  template <typename U = T>
  void send(U&& value, double timeout) {
    if (!put(std::forward<U>(value), checked(timeout), true))
      throw timeout_error("smp::channel::send: timed out");
  }

  // try_send() puts `value` at the end if there is room, else returns false and leaves the
  // value with the caller; with a timeout, it waits at most that long for room. Throws
  // channel_closed, std::invalid_argument for a negative or NaN timeout.
  template <typename U = T>
  bool try_send(U&& value, std::optional<double> timeout = std::nullopt) {
    return put(std::forward<U>(value), timeout ? checked(*timeout) : 0, timeout.has_value());
  }

  // receive() takes the first value, blocking the calling greenthread while the channel is
  // empty. Throws channel_closed once it is closed and empty, hubs::hub_error from another
  // thread than the one that made it, hubs::blocking_call_error from the hub greenlet.
  T receive() { return *take(-1, true); }

  // receive(timeout) is receive() for at most `timeout` seconds: throws timeout_error when the
  // time runs out. Throws std::invalid_argument for a negative or NaN timeout.
  T receive(double timeout) {
    std::optional<T> v = take(checked(timeout), true);
    if (!v) throw timeout_error("smp::channel::receive: timed out");
    return std::move(*v);
  }

  // try_receive() takes the first value if there is one (waiting at most `timeout` seconds
  // for one if given), else returns nullopt. Throws as receive(timeout) does, except on timeout.
  std::optional<T> try_receive(std::optional<double> timeout = std::nullopt) {
    return take(timeout ? checked(*timeout) : 0, timeout.has_value());
  }

  // close() refuses further sends and wakes every blocked sender (channel_closed) and, once the
  // values left are taken, every blocked receiver. From any thread; closing twice is a no-op.
  void close() {
    std::deque<std::shared_ptr<sender>> woken;
    bool wake_receivers;
    {
      const std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->closed) return;
      state_->closed = true;
      woken.swap(state_->senders);
      wake_receivers = state_->sleeping > 0 && !std::exchange(state_->wake_posted, true);
    }
    for (auto& w : woken) wake(w);
    if (wake_receivers) post_announce();
  }

  // closed() tells whether close() was called.
  bool closed() const {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->closed;
  }

  // size() is the number of values in the channel; from any thread, a snapshot.
  std::size_t size() const {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->items.size();
  }

  // capacity() is the most values the channel holds.
  std::size_t capacity() const noexcept { return state_->capacity; }

 private:
  // A blocked sender, shared with whoever wakes it: it sleeps on a semaphore of its own thread.
  struct sender {
    hubs::remote_hub hub = hubs::get_hub().remote();
    semaphore token{0};
    bool listed = false;  // in state::senders (guarded by state::mutex)
  };

  struct state {
    explicit state(std::size_t c) : capacity(c), owner(hubs::get_hub().remote()) {
      if (c == 0) throw std::invalid_argument("smp::channel: the capacity must be >= 1");
    }
    const std::size_t capacity;
    const hubs::remote_hub owner;                            // the receiving thread's hub
    const std::uint64_t owner_thread = current_thread_id();  // and that thread
    semaphore ready{0};  // on the owner's thread: a token per wake-up of a receiver

    mutable std::mutex mutex;  // guards what follows
    std::deque<T> items;
    std::deque<std::shared_ptr<sender>> senders;  // blocked, first come first served
    std::size_t sleeping = 0;                     // receivers blocked (or about to be)
    bool wake_posted = false;                     // a wake-up for the receivers is on its way
    bool closed = false;
  };

  static double checked(double timeout) {
    if (!(timeout >= 0))
      throw std::invalid_argument("smp::channel: the timeout must be >= 0 (and not NaN)");
    return timeout;
  }

  // wake() has a blocked sender's hub release its token; a sender whose thread has ended is
  // skipped.
  static void wake(const std::shared_ptr<sender>& w) noexcept {
    try {
      w->hub.post([w] { w->token.release(); });
    } catch (const std::exception&) {
    }
  }

  // post_announce() has the owner's hub wake as many receivers as there are values for
  // (all of them once the channel is closed). Nothing to do once the owner's thread has ended:
  // its receivers have gone.
  void post_announce() noexcept {
    std::shared_ptr<state> s = state_;
    try {
      s->owner.post([s] {
        std::size_t n;
        {
          const std::lock_guard<std::mutex> lock(s->mutex);
          s->wake_posted = false;
          n = s->closed ? s->sleeping : std::min(s->sleeping, s->items.size());
        }
        while (n--) s->ready.release();
      });
    } catch (const std::exception&) {
    }
  }

  // next_sender() takes the first blocked sender off the list, to be woken after the lock is
  // released; call it with the lock held once there is room.
  std::shared_ptr<sender> next_sender() {
    if (state_->senders.empty()) return nullptr;
    std::shared_ptr<sender> w = std::move(state_->senders.front());
    state_->senders.pop_front();
    w->listed = false;
    return w;
  }

  // put() adds the value, waiting for room up to `timeout` seconds (negative: no limit) if
  // `block`; returns false when there is none.
  template <typename U>
  bool put(U&& value, double timeout, bool block) {
    const double deadline = timeout < 0 ? -1 : hubs::hub::clock() + timeout;
    std::shared_ptr<sender> me;
    for (;;) {
      std::shared_ptr<sender> pass_on;
      bool announce = false;
      {
        std::unique_lock<std::mutex> lock(state_->mutex);
        if (state_->closed) throw channel_closed();
        if (state_->items.size() < state_->capacity) {
          state_->items.emplace_back(std::forward<U>(value));
          announce = state_->sleeping > 0 && !std::exchange(state_->wake_posted, true);
          // Room for more: a sender woken before us may have given up.
          if (state_->items.size() < state_->capacity) pass_on = next_sender();
        } else {
          const double left = deadline < 0 ? -1 : deadline - hubs::hub::clock();
          if (!block || (deadline >= 0 && left <= 0)) return false;
          if (!me) me = std::make_shared<sender>();
          me->listed = true;
          state_->senders.push_back(me);
          lock.unlock();
          if (!sleep(*me, left)) return false;
          continue;
        }
      }
      if (pass_on) wake(pass_on);
      if (announce) post_announce();
      return true;
    }
  }

  // sleep() waits for a blocked sender's token; on a timeout or an exception it takes the
  // sender off the list or, if it was woken meanwhile, passes the wake-up on.
  bool sleep(sender& me, double left) {
    auto leave = [&] {
      std::shared_ptr<sender> pass_on;
      {
        const std::lock_guard<std::mutex> lock(state_->mutex);
        if (me.listed) {
          std::erase_if(state_->senders, [&](const auto& w) { return w.get() == &me; });
          me.listed = false;
        } else if (state_->items.size() < state_->capacity) {
          pass_on = next_sender();
        }
      }
      if (pass_on) wake(pass_on);
    };
    bool woken;
    try {
      if (left < 0) {
        me.token.acquire();
        woken = true;
      } else {
        woken = me.token.try_acquire(left);
      }
    } catch (...) {
      leave();
      throw;
    }
    if (!woken) leave();
    return woken;
  }

  // take() removes the first value, waiting up to `timeout` seconds (negative: no limit) if
  // `block`; nullopt when there is none.
  std::optional<T> take(double timeout, bool block) {
    if (current_thread_id() != state_->owner_thread)
      throw hubs::hub_error(
          "smp::channel::receive: called from another thread than the one that made the channel");
    const double deadline = timeout < 0 ? -1 : hubs::hub::clock() + timeout;
    for (;;) {
      std::shared_ptr<sender> room;
      std::optional<T> value;
      {
        std::unique_lock<std::mutex> lock(state_->mutex);
        if (!state_->items.empty()) {
          value.emplace(std::move(state_->items.front()));
          state_->items.pop_front();
          room = next_sender();
        } else {
          if (state_->closed) throw channel_closed();
          const double left = deadline < 0 ? -1 : deadline - hubs::hub::clock();
          if (!block || (deadline >= 0 && left <= 0)) return std::nullopt;
          hubs::get_hub().check_can_block("smp::channel::receive");
          ++state_->sleeping;
          lock.unlock();
          const scope_exit awake([this] {
            const std::lock_guard<std::mutex> relock(state_->mutex);
            --state_->sleeping;
          });
          if (left < 0)
            state_->ready.acquire();
          else if (!state_->ready.try_acquire(left))
            return std::nullopt;
          continue;
        }
      }
      if (room) wake(room);
      return value;
    }
  }

  std::shared_ptr<state> state_;
};

}  // namespace eventlet::smp
