// channel<T>: a synchronous channel, like the seed's coros.Channel: send() blocks until a
// receiver takes the item, receive() until a sender sends one. It is a light_queue<T> of
// maxsize 0 (a rendezvous), so it serves senders and receivers first come, first served and
// loses nothing when a greenthread is killed (queue.hpp). A channel belongs to the thread that
// made it: calls from another thread throw hubs::hub_error.
//
//   eventlet::channel<int> ch;
//   eventlet::spawn([&] { ch.send(42); });
//   int v = ch.receive();  // 42
#pragma once

#include <cstddef>
#include <utility>

#include "queue.hpp"

namespace eventlet {

template <typename T>
class channel {
 public:
  // channel() makes a channel owned by the calling thread (and its hub).
  channel() : queue_(0) {}
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  // send() blocks until a receiver takes `item`. Throws hubs::hub_error from the hub greenlet
  // if no receiver is waiting.
  void send(T item) { queue_.put(std::move(item)); }

  // send(item, timeout) is send() for at most `timeout` seconds: throws queue_full if no
  // receiver takes the item in time, std::invalid_argument for a negative or NaN timeout.
  void send(T item, double timeout) { queue_.put(std::move(item), timeout); }

  // receive() blocks until a sender sends an item and returns it. Throws hubs::hub_error from
  // the hub greenlet if no sender is waiting.
  T receive() { return queue_.get(); }

  // receive(timeout) is receive() for at most `timeout` seconds: throws queue_empty if no item
  // comes in time, std::invalid_argument for a negative or NaN timeout.
  T receive(double timeout) { return queue_.get(timeout); }

  // balance() is the number of items waiting to be received (blocked senders' items, and any
  // given back by receivers killed before they could take them) minus the blocked receivers.
  std::ptrdiff_t balance() const {
    return static_cast<std::ptrdiff_t>(queue_.qsize() + queue_.putting()) -
           static_cast<std::ptrdiff_t>(queue_.getting());
  }

 private:
  light_queue<T> queue_;
};

}  // namespace eventlet
