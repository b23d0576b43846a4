// smp::listener_threads: N threads, each with a hub and a listener of its own, all bound to one
// address with SO_REUSEPORT so that the kernel spreads the connections over them; each thread
// runs a service on its listener until told to stop. It is what smp::server (green socket
// servers) and http::smp_server (HTTP) are made of: they differ only in the service.
//
//   smp::listener_threads t({"127.0.0.1", 8080}, 4, 128, [](auto&, int, green::socket& l) {
//     auto s = std::make_shared<my_server>(l);
//     return smp::thread_service{[s] { s->run(); }, [s](double grace) { s->stop_soon(grace); }};
//   });
//   ...
//   t.stop(5);
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "../base/export.hpp"
#include "../green/address.hpp"
#include "../green/socket.hpp"
#include "../hubs/remote_hub.hpp"
#include "group.hpp"

namespace eventlet::smp {

// What one thread runs on its listener.
struct thread_service {
  // serve() runs in the thread's main greenlet and returns once the service has stopped; the
  // thread then shuts its hub down (greenthreads left are killed) and ends.
  std::function<void()> serve;
  // stop(grace) is called once, on the thread (in its hub greenlet, or before serve() runs), so
  // it must not block: it makes serve() return, giving the work in progress up to `grace`
  // seconds to finish.
  std::function<void(double grace)> stop;
};

class listener_threads;

// thread_count() is the number of threads a count of `threads` means: itself, or one per core
// for 0. Throws std::invalid_argument for a negative count.
EVENTLET_API int thread_count(int threads);

// make(threads, index, listener) makes thread `index`'s service on its listener (which lives as
// long as the thread serves), on that thread; the service may keep `threads` to stop them all
// (request_stop()), even before their constructor has returned.
using service_maker =
    std::function<thread_service(listener_threads& threads, int index, green::socket& listener)>;

class EVENTLET_API listener_threads {
 public:
  // listener_threads() starts `threads` threads (0: one per core), binds a listener on `local`
  // in each (port 0: the first thread's listener gets a port from the kernel and the others
  // bind to it too), makes each thread's service and runs it. Returns once every thread
  // serves. Throws std::invalid_argument for a negative thread count, a backlog < 1 or an empty
  // `make`; std::system_error if a listener cannot be made (EADDRINUSE, ...), or what `make`
  // threw, in which case no thread is left running.
  listener_threads(const green::address& local, int threads, int backlog, service_maker make);

  // ~listener_threads() stops every thread with no grace and joins them.
  ~listener_threads();
  listener_threads(const listener_threads&) = delete;
  listener_threads& operator=(const listener_threads&) = delete;

  // address() is the address the listeners are bound to (with the port the kernel chose).
  const green::address& address() const noexcept { return address_; }

  // size() is the number of threads.
  std::size_t size() const noexcept { return states_.size(); }

  // request_stop() has each thread's service stopped with `grace` seconds (see
  // thread_service::stop) and returns at once; a thread told already is left alone. From any
  // thread, a service's own ones included.
  void request_stop(double grace) noexcept;

  // stop() is request_stop(grace), then wait(). Throws std::invalid_argument for a negative or
  // NaN grace, and as wait() does.
  void stop(double grace = 0);

  // wait() waits until every thread has ended, as group::join() waits (greenly on a hub
  // thread), and rethrows the first exception a service threw. Throws std::logic_error from
  // one of the threads, hubs::blocking_call_error from the hub greenlet.
  void wait();

 private:
  struct thread_state;

  green::address address_;
  std::vector<std::shared_ptr<thread_state>> states_;
  std::unique_ptr<group> group_;
};

}  // namespace eventlet::smp
