// How an smp::server's threads bind, serve and stop.
//
// Thread 0 binds first (the kernel may choose the port) and the others bind to the address it
// got, all with SO_REUSEPORT; the constructor returns once every thread listens, or has failed
// to. Stopping is a call posted to each thread's hub: it throws green::stop_serve into the
// greenlet running that thread's accept loop, which then closes its listener, waits up to the
// grace time for its connections to end and returns, whereupon the group shuts its hub down
// (killing the connections left).
#include "server.hpp"

#include <cmath>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "../base/scope_exit.hpp"
#include "../coros/semaphore.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::smp {

// What a thread's accept loop shares with its handlers and with the stop calls posted to it;
// used on that thread only.
struct server::thread_state {
  eventlet::greenlet* serving = nullptr;  // the greenlet in green::serve(), while it is there
  bool stopping = false;
  double grace = 0;
  std::size_t active = 0;            // connections being served
  std::optional<semaphore> drained;  // released when the last one ends while stopping
};

server::server(const green::address& local, green::connection_handler handler,
               serve_options options) {
  if (!handler) throw std::invalid_argument("smp::server: the handler is empty");
  if (options.threads < 0) throw std::invalid_argument("smp::server: threads must be >= 0");
  if (options.backlog < 1) throw std::invalid_argument("smp::server: the backlog must be >= 1");
  if (options.concurrency == 0)
    throw std::invalid_argument("smp::server: the concurrency must be > 0");
  const int n = options.threads > 0
                    ? options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    states_.push_back(std::make_shared<thread_state>());
    accepted_.push_back(std::make_unique<std::atomic<std::uint64_t>>(0));
  }

  std::promise<green::address> first;  // thread 0's bound address, or why it could not bind
  std::shared_future<green::address> bound = first.get_future().share();
  std::latch listening(n);
  std::mutex failure_mutex;
  std::exception_ptr failure;

  group_ = std::make_unique<group>(n, [&, local, handler, options](int index) {
    const std::shared_ptr<thread_state> st = states_[static_cast<std::size_t>(index)];
    std::atomic<std::uint64_t>& accepted = *accepted_[static_cast<std::size_t>(index)];
    green::socket listener;
    try {
      listener = green::listen(index == 0 ? local : bound.get(), options.backlog, true);
      if (index == 0) first.set_value(listener.getsockname());
    } catch (...) {
      if (index == 0) first.set_exception(std::current_exception());
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
    listening.count_down();  // the constructor's locals may be gone after this
    if (listener.fileno() < 0) return;

    st->drained.emplace(0);
    auto serve_one = [this, st, &accepted, handler](green::socket connection, green::address peer) {
      ++st->active;
      accepted.fetch_add(1, std::memory_order_relaxed);
      const scope_exit done([&st] {
        if (--st->active == 0 && st->stopping) st->drained->release();
      });
      try {
        handler(std::move(connection), std::move(peer));
      } catch (const green::stop_serve&) {
        stop_all(0);
      }
    };
    if (!st->stopping) {
      st->serving = getcurrent();
      const scope_exit left([&st] { st->serving = nullptr; });
      green::serve(listener, serve_one, options.concurrency);
    }
    listener.close();
    if (st->active > 0 && st->grace > 0) st->drained->acquire(true, st->grace);
  });
  listening.wait();
  if (failure) {
    stop_all(0);
    group_->join();  // the threads that listened end; none failed otherwise
    std::rethrow_exception(failure);
  }
  address_ = bound.get();
}

server::~server() {
  if (group_) stop_all(0);
}

void server::stop_all(double grace) noexcept {
  for (std::size_t i = 0; i < states_.size(); ++i) {
    try {
      group_->hub(i).post([st = states_[i], grace] {
        if (st->stopping) return;
        st->stopping = true;
        st->grace = grace;
        if (st->serving) st->serving->throw_in(std::make_exception_ptr(green::stop_serve()));
      });
    } catch (const std::exception&) {
      // That thread has ended already.
    }
  }
}

void server::stop(double grace) {
  if (!(grace >= 0)) throw std::invalid_argument("smp::server::stop: grace must be >= 0");
  stop_all(grace);
  group_->join();
}

void server::wait() { group_->join(); }

void serve(const green::address& local, green::connection_handler handler, serve_options options) {
  server s(local, std::move(handler), options);
  s.wait();
}

}  // namespace eventlet::smp
