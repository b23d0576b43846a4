// How an smp::server serves on listener_threads: each thread's service is green::serve() on
// its listener. Its stop throws green::stop_serve into the greenlet running that accept loop,
// which then closes its listener, waits up to the grace time for its connections to end and
// returns, whereupon the thread shuts its hub down (killing the connections left).
#include "server.hpp"

#include <optional>
#include <stdexcept>

#include "../base/scope_exit.hpp"
#include "../coros/semaphore.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::smp {

// What a thread's accept loop shares with its handlers and with its stop; used on that thread
// only.
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
  const int n = thread_count(options.threads);
  for (int i = 0; i < n; ++i) {
    states_.push_back(std::make_shared<thread_state>());
    accepted_.push_back(std::make_unique<std::atomic<std::uint64_t>>(0));
  }
  const auto service = [this, handler, concurrency = options.concurrency](
                           listener_threads& threads, int index, green::socket& listener) {
    const std::shared_ptr<thread_state> st = states_[static_cast<std::size_t>(index)];
    std::atomic<std::uint64_t>& accepted = *accepted_[static_cast<std::size_t>(index)];
    st->drained.emplace(0);
    auto serve_one = [&threads, st, &accepted, handler](green::socket connection,
                                                        green::address peer) {
      ++st->active;
      accepted.fetch_add(1, std::memory_order_relaxed);
      const scope_exit done([&st] {
        if (--st->active == 0 && st->stopping) st->drained->release();
      });
      try {
        handler(std::move(connection), std::move(peer));
      } catch (const green::stop_serve&) {
        threads.request_stop(0);
      }
    };
    return thread_service{[st, &listener, serve_one, concurrency] {
                            if (!st->stopping) {
                              st->serving = getcurrent();
                              const scope_exit left([&st] { st->serving = nullptr; });
                              green::serve(listener, serve_one, concurrency);
                            }
                            listener.close();
                            if (st->active > 0 && st->grace > 0)
                              st->drained->try_acquire(st->grace);
                          },
                          [st](double grace) {
                            st->stopping = true;
                            st->grace = grace;
                            if (st->serving)
                              st->serving->throw_in(std::make_exception_ptr(green::stop_serve()));
                          }};
  };
  threads_ = std::make_unique<listener_threads>(local, n, options.backlog, service);
}

void server::stop(double grace) {
  if (!(grace >= 0)) throw std::invalid_argument("smp::server::stop: grace must be >= 0");
  threads_->stop(grace);
}

void server::wait() { threads_->wait(); }

void serve(const green::address& local, green::connection_handler handler, serve_options options) {
  server s(local, std::move(handler), options);
  s.wait();
}

}  // namespace eventlet::smp
