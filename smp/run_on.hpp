// smp::run_on(): run a function on another thread's hub and wait greenly for its result.
//
//   eventlet::smp::group workers(4, [](int) { /* serve */ });
//   std::size_t n = eventlet::smp::run_on(workers.hub(2), [] { return cache.size(); });
//
// The function runs in a greenthread of its own on the target hub, so it may block (sleep,
// wait, do green I/O); the caller's hub runs its other greenthreads meanwhile. The function
// and its result cross threads, so they are moved, never shared: a function that touches the
// target thread's objects touches them on their own thread, which is the point.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "../coros/greenthread.hpp"
#include "../coros/semaphore.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::smp {

// run_on() runs f() in a new greenthread on the hub `target` reaches and suspends the calling
// greenthread (or main greenlet) until it returns; returns its value or rethrows its
// exception. If the caller is killed or times out meanwhile, f still runs to its end and its
// result is dropped. Throws hubs::hub_error if the target's thread has ended (then f never
// runs), or if f was killed there, or never ran because the target's hub shut down first;
// hubs::blocking_call_error from the hub greenlet; std::system_error if the caller's hub cannot
// be made.
template <typename F>
auto run_on(const hubs::remote_hub& target, F f) -> std::invoke_result_t<F&> {
  using result = std::invoke_result_t<F&>;
  struct state {
    explicit state(hubs::remote_hub h) : caller(std::move(h)) {}
    hubs::remote_hub caller;
    semaphore done{0};  // belongs to the caller's thread: released there
    std::conditional_t<std::is_void_v<result>, bool, std::optional<result>> value{};
    std::exception_ptr error;
  };
  hubs::hub& here = hubs::get_hub();
  here.check_can_block("smp::run_on");
  auto s = std::make_shared<state>(here.remote());
  // The call, shared by the function posted to the target and the greenthread it spawns. Its
  // destructor posts the reply back, whether f finished, was killed, or never ran (the target's
  // hub shut down first). The state's last reference is so dropped on the caller's thread (by
  // the caller, or by the posted reply), never on the target's: what it holds was made for
  // the caller.
  struct call {
    call(F&& fn, std::shared_ptr<state> st) : f(std::move(fn)), s(std::move(st)) {}
    call(const call&) = delete;
    call& operator=(const call&) = delete;
    ~call() {
      if (!finished)
        s->error = std::make_exception_ptr(hubs::hub_error(
            "smp::run_on: the call was killed on the target thread, or its hub shut down "
            "before it ran"));
      const hubs::remote_hub back = s->caller;
      try {
        back.post([s = std::move(s)] { s->done.release(); });
      } catch (const std::exception&) {
        // The caller's thread has ended: nobody waits for the result.
      }
    }
    F f;
    std::shared_ptr<state> s;
    bool finished = false;
  };
  auto c = std::make_shared<call>(std::move(f), s);
  target.post([c]() mutable {
    spawn_n([c = std::move(c)] {
      try {
        if constexpr (std::is_void_v<result>)
          c->f();
        else
          c->s->value.emplace(c->f());
      } catch (const greenlet_exit&) {
        throw;  // killed: the reply says so
      } catch (...) {
        c->s->error = std::current_exception();
      }
      c->finished = true;
    });
  });
  c.reset();  // the target's now
  s->done.acquire();
  if (s->error) std::rethrow_exception(s->error);
  if constexpr (!std::is_void_v<result>) return std::move(*s->value);
}

}  // namespace eventlet::smp
