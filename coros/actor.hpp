// actor<Msg>: an object with a mailbox and greenthreads of its own, like the seed's
// coros.Actor: cast() drops a message in the mailbox without blocking, and the actor calls its
// `received` function with each message, in a greenthread of its own, at most `concurrency` at
// once (1: one after the other, in the order cast).
//
//   eventlet::actor<std::string> logger([&](std::string line) { file.write(line); });
//   logger.cast("started");  // returns at once
//   logger.waitall();        // until every message cast so far has been received
//
// `received` is a function given to the constructor rather than a virtual method to override:
// the actor's greenthreads call it, and a destructor has to stop them before what they use
// goes. A base class's destructor runs after its subclass's members are gone, too late to stop
// greenthreads inside an override; the actor owns the function, so its destructor can stop its
// greenthreads first. (It also makes an actor a member, not a base: composition, like
// std::thread taking a callable.)
//
// The messages go through a dispatching greenthread into a green_pool of `concurrency`. What
// `received` throws is reported by the hub's exception handler, and the actor goes on.
// Destroying an actor kills its greenthreads: received() calls under way unwind, and messages
// not yet received are dropped (call waitall() first to have them received). `received` may
// destroy the actor it belongs to, as long as it touches nothing of it afterwards. Like a
// mutex, an actor must outlive the other calls made on it: no greenthread may be blocked in its
// waitall() when it is destroyed. cast() is safe from the hub greenlet; waitall() there throws
// hubs::hub_error if it would block. An actor belongs to the thread that made it: calls from
// another thread throw hubs::hub_error.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <utility>

#include "detail/wait_list.hpp"
#include "green_pool.hpp"
#include "greenthread.hpp"
#include "queue.hpp"

namespace eventlet {

template <typename Msg>
class actor {
 public:
  // actor() starts the actor: `received` is called with each message cast, at most
  // `concurrency` calls at once. Throws std::invalid_argument for an empty function or a
  // concurrency of 0.
  explicit actor(std::function<void(Msg)> received, std::size_t concurrency = 1)
      : received_(checked(std::move(received))),
        pool_(concurrency),
        dispatcher_(eventlet::spawn([this] { dispatch(); })) {}

  // ~actor() kills the actor's greenthreads and drops the messages not yet received.
  ~actor() { detail::kill_from_destructor(dispatcher_, "actor::~actor"); }

  actor(const actor&) = delete;
  actor& operator=(const actor&) = delete;

  // cast() puts `msg` in the mailbox, to be received in its turn. Non-blocking.
  void cast(Msg msg) {
    owner_.check("actor::cast");
    mailbox_.put_nowait(std::move(msg));
  }

  // waitall() blocks until every message cast so far has been received: the mailbox is empty
  // and no received() call runs. Throws std::logic_error from the actor's own received() (it
  // would wait for itself), hubs::hub_error from the hub greenlet if it would block.
  void waitall() {
    owner_.check("actor::waitall");
    for (;;) {
      if (pool_.running() > 0) {
        pool_.waitall();  // the logic_error comes from here
      } else if (mailbox_.empty() && mailbox_.getting() > 0) {
        return;  // nothing to receive, and the dispatcher waits for mail
      } else {
        detail::wait_list::waiter w;
        drained_.wait(w, -1);
      }
    }
  }

 private:
  static std::function<void(Msg)> checked(std::function<void(Msg)> received) {
    if (!received) throw std::invalid_argument("actor: the received function is empty");
    return received;
  }

  // The dispatching greenthread: hands each message to a greenthread of the pool, waiting while
  // `concurrency` are running.
  void dispatch() {
    for (;;) {
      if (mailbox_.empty()) drained_.wake_all();
      pool_.spawn_n(
          [this](Msg&& msg) {
            try {
              received_(std::move(msg));
            } catch (const greenlet_exit&) {
              throw;
            } catch (...) {
              hubs::get_hub().report_exception(std::current_exception(), "an actor's received()");
            }
          },
          mailbox_.get());
    }
  }

  detail::thread_owned owner_;
  std::function<void(Msg)> received_;
  light_queue<Msg> mailbox_;
  detail::wait_list drained_{
      "actor waitall"};  // blocked in waitall() until the dispatcher has emptied the mailbox
  green_pool pool_;
  greenthread<void> dispatcher_;
};

}  // namespace eventlet
