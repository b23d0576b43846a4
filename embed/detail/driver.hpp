// What embed/'s two loop drivers share: a hub backend built on an application's event loop
// that the application runs itself (embed::join()). Private to embed/.
//
// The hub's greenlet runs its passes as usual; where it would wait in the backend, wait()
// instead arms one timer in the application's loop for the hub's earliest deadline and switches
// back to the greenlet that runs the loop (the thread's main greenlet), whose loop goes on. The
// loop's callbacks for the hub's fds, its timer and its kicks (work given to the hub from a
// loop callback) make the hub runnable; the driver's run callback, which the loop calls after
// them, first runs the calls post()ed for loop context and then enters the hub, which returns
// from wait() with the fds found ready.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "../../hubs/hub.hpp"

namespace eventlet::embed::detail {

class driver : public hubs::backend {
 public:
  // The driver of the calling thread's joined loop, or null.
  static driver* current() noexcept;

  explicit driver(hubs::hub& h);
  ~driver() override;

  // kick() has the loop enter the hub soon (after the callbacks of its current iteration).
  virtual void kick() noexcept = 0;
  // run_once() runs one iteration of the application's loop, blocking until some event came.
  virtual void run_once() = 0;
  // in_callback() says whether the call is made in one of the loop's callbacks: any (libev)
  // or the driver's own (libevent cannot tell of the others; there run_once() refuses).
  virtual bool in_callback() const noexcept = 0;

  // post() has the loop call `fn` in loop context (the main greenlet, from a loop callback).
  void post(std::function<void()> fn);

  // The name of the backend the hub had before it joined (what leave() puts back).
  std::string previous;

 protected:
  // park() hands control back to the loop's greenlet until the run callback enters the hub
  // again, then moves the fds found ready to `out`.
  void park(std::vector<hubs::ready_fd>& out);
  // on_run() is the run callback: posted calls, then the hub. Never throws.
  void on_run() noexcept;

  hubs::hub& hub_;
  eventlet::greenlet* loop_greenlet_;  // the greenlet that runs the application's loop
  std::vector<hubs::ready_fd> ready_;  // reported by the loop since the hub last looked
  std::vector<std::function<void()>> posted_;
};

}  // namespace eventlet::embed::detail
