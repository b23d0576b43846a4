// How listener_threads bind, serve and stop.
//
// Thread 0 binds first (the kernel may choose the port) and the others bind to the address it
// got, all with SO_REUSEPORT; each then makes its service, and the constructor returns once
// every thread has done so, or failed to. Stopping is a call posted to each thread's hub,
// which calls that thread's service's stop() once.
#include "listener_threads.hpp"

#include <algorithm>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "../base/scope_exit.hpp"
#include "../green/net.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::smp {

// What a thread's service shares with the stop calls posted to it; used on that thread only.
struct listener_threads::thread_state {
  std::optional<hubs::remote_hub> hub;     // set before any thread serves
  std::function<void(double grace)> stop;  // the service's, once made
  bool stopping = false;
  double grace = 0;  // with stopping: the grace asked for before the service was made
};

int thread_count(int threads) {
  if (threads < 0) throw std::invalid_argument("smp: the thread count must be >= 0");
  return threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

listener_threads::listener_threads(const green::address& local, int threads, int backlog,
                                   service_maker make) {
  if (!make) throw std::invalid_argument("smp::listener_threads: the service maker is empty");
  if (backlog < 1) throw std::invalid_argument("smp::listener_threads: the backlog must be >= 1");
  const int n = thread_count(threads);
  for (int i = 0; i < n; ++i) states_.push_back(std::make_shared<thread_state>());

  std::promise<green::address> first;  // thread 0's bound address, or why it could not bind
  std::shared_future<green::address> bound = first.get_future().share();
  // Counted down by each thread once it has its hub, listener and service (or failed); each
  // waits for all before serving, so that request_stop() reaches every hub from the start.
  const auto ready = std::make_shared<std::latch>(n);
  std::mutex failure_mutex;
  std::exception_ptr failure;

  group_ = std::make_unique<group>(n, [&, ready, local, backlog, make](int index) {
    const std::shared_ptr<thread_state> st = states_[static_cast<std::size_t>(index)];
    st->hub = hubs::get_hub().remote();
    const auto failed = [&] {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    };
    green::socket listener;
    thread_service service;
    try {
      listener = green::listen(index == 0 ? local : bound.get(), backlog, true);
      if (index == 0) first.set_value(listener.getsockname());
    } catch (...) {
      if (index == 0) first.set_exception(std::current_exception());
      failed();
      listener.close();
    }
    if (listener.fileno() >= 0) try {
        service = make(*this, index, listener);
        if (!service.serve || !service.stop)
          throw std::invalid_argument("smp::listener_threads: a service without serve or stop");
      } catch (...) {
        failed();
        listener.close();
      }
    const bool serving = listener.fileno() >= 0;
    ready->arrive_and_wait();  // the constructor's locals may be gone after this
    if (!serving) return;
    st->stop = service.stop;
    // The service is let go of here, on its own thread, not where states_ ends.
    const scope_exit forget([&st] { st->stop = nullptr; });
    if (st->stopping) service.stop(st->grace);  // told before the service was made
    service.serve();
  });
  ready->wait();
  if (failure) {
    request_stop(0);
    group_->join();  // the threads that serve end; none failed otherwise
    std::rethrow_exception(failure);
  }
  address_ = bound.get();
}

listener_threads::~listener_threads() {
  request_stop(0);  // then ~group joins the threads
}

void listener_threads::request_stop(double grace) noexcept {
  for (std::size_t i = 0; i < states_.size(); ++i) {
    try {
      states_[i]->hub->post([st = states_[i], grace] {
        if (st->stopping) return;
        st->stopping = true;
        st->grace = grace;
        if (st->stop) st->stop(grace);
      });
    } catch (const std::exception&) {
      // That thread has ended already.
    }
  }
}

void listener_threads::stop(double grace) {
  if (!(grace >= 0)) throw std::invalid_argument("smp::listener_threads::stop: grace must be >= 0");
  request_stop(grace);
  wait();
}

void listener_threads::wait() { group_->join(); }

}  // namespace eventlet::smp
