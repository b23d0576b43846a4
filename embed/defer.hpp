// Between loop callbacks and greenthreads: callback code hands work that blocks to a
// greenthread, and hears of its outcome back in loop context (the seed's deferToGreenThread).
//
//   void on_request(evhttp_request* req, void*) {        // a libevent callback: must not block
//     eventlet::embed::defer_to_green_thread(
//         [] { return fetch_from_backend(); },             // blocks, in a greenthread
//         [req](eventlet::embed::outcome<std::string> r) { // back in loop context
//           reply(req, r.ok() ? r.value() : "error");
//         });
//   }
//
// "Loop context" is where the application's loop calls its callbacks: the main greenlet when
// the hub joined the loop (join()), the hub greenlet when the hub runs the loop itself
// (hubs::libevent_backend()), or the hub greenlet of a plain hub.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "../base/export.hpp"
#include "../coros/greenthread.hpp"
#include "outcome.hpp"

namespace eventlet::embed {

// call_in_loop() has the loop call `fn` in loop context soon, after the callback running now
// (exceptions `fn` throws go to hubs::hub::report_exception()). Call it on the hub's thread.
// Throws hubs::hub_error from another thread.
EVENTLET_API void call_in_loop(std::function<void()> fn);

// defer_to_green_thread() runs `f()` in a new greenthread and then calls `done(outcome)` in
// loop context with what `f` returned or threw. A greenthread killed before `f` ends calls
// `done` with greenlet_exit. Safe in loop callbacks. Throws what spawn() throws.
template <typename F, typename Done>
void defer_to_green_thread(F f, Done done) {
  using R = std::invoke_result_t<F&>;
  spawn([f = std::move(f), done = std::move(done)]() mutable {
    std::optional<outcome<R>> r;
    try {
      r.emplace(capture(f));
    } catch (const greenlet_exit&) {
      r.emplace(std::make_exception_ptr(greenlet_exit{}));
      call_in_loop([r = std::move(*r), done = std::move(done)]() mutable { done(std::move(r)); });
      throw;
    }
    call_in_loop([r = std::move(*r), done = std::move(done)]() mutable { done(std::move(r)); });
  });
}

// call_in_green_thread() runs `f()` in a new greenthread, with no outcome to hear of (an
// exception it ends by is reported as a greenthread's is). Safe in loop callbacks. Throws what
// spawn() throws.
template <typename F>
void call_in_green_thread(F f) {
  spawn(std::move(f));
}

}  // namespace eventlet::embed
