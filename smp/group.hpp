// smp::group and smp::run(): several OS threads, each with a hub of its own, each running one
// function -- how a program uses every core. Python eventlet is one core by construction; here
// each thread is such an eventlet, and they meet through smp::channel, smp::run_on and the
// kernel's SO_REUSEPORT (smp::server).
//
//   eventlet::smp::run(4, [](int index) {
//     auto listener = eventlet::green::listen({"127.0.0.1", 8080}, 128, /*reuse_port=*/true);
//     eventlet::green::serve(listener, handle);   // one accept loop per thread
//   });
//
// Each thread's hub is the one get_hub() chooses there (EVENTLET_HUB, else the default);
// use_hub() on the creating thread does not carry over. Threads start with the creator's signal
// mask: block SIGINT and SIGTERM before making a group and the creating thread alone sees them
// (green::wait_signal).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "../base/export.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::smp {

class EVENTLET_API group {
 public:
  // group() starts `threads` OS threads and calls fn(index) in the main greenlet of thread
  // `index` (0 to threads - 1), once every thread has made its hub. When fn returns (or throws),
  // the thread shuts its hub down (hubs::shutdown(): greenthreads it left are killed) and
  // ends. Throws std::invalid_argument for fewer than 1 thread or an empty fn,
  // std::system_error if a thread or its hub cannot be made (the threads already started then
  // end without calling fn, and are joined before it throws).
  group(int threads, std::function<void(int index)> fn);

  // ~group() joins the threads (as join() does), reporting an exception an fn threw that
  // join() did not rethrow through the log hook.
  ~group();
  group(const group&) = delete;
  group& operator=(const group&) = delete;

  // size() is the number of threads.
  std::size_t size() const noexcept { return threads_.size(); }

  // hub() is a handle to thread `index`'s hub, through which any thread can run code there
  // (remote_hub::post(), smp::run_on()); it refuses once that thread has ended. Throws
  // std::out_of_range for a bad index.
  hubs::remote_hub hub(std::size_t index) const { return *hubs_.at(index); }

  // join() waits until every thread's fn has returned and its thread has ended, then rethrows
  // the first exception an fn threw, if any. Called on a thread with an open hub, only the
  // calling greenthread waits (the hub runs its other greenthreads meanwhile); elsewhere the
  // OS thread blocks. Safe to call more than once (later calls return at once). Throws
  // hubs::blocking_call_error from the hub greenlet, std::logic_error from one of the group's
  // own threads (which would wait for itself).
  void join();

 private:
  struct shared;
  std::shared_ptr<shared> shared_;
  std::vector<std::optional<hubs::remote_hub>> hubs_;  // all set once constructed
  std::vector<std::thread> threads_;
};

// run() runs fn(index) on `threads` threads, each with its own hub, and returns once all have
// returned, rethrowing the first exception an fn threw: group(threads, fn).join(). Throws as
// group() and join() do.
EVENTLET_API void run(int threads, std::function<void(int index)> fn);

}  // namespace eventlet::smp
