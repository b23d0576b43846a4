#include "net.hpp"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "../base/errors.hpp"
#include "../base/scope_exit.hpp"
#include "../coros/greenthread.hpp"
#include "../coros/semaphore.hpp"

namespace eventlet::green {

socket listen(const address& local, int backlog, bool reuse_port) {
  socket s(local.family(), SOCK_STREAM);
  s.set_reuse_address(true);
  if (reuse_port) s.set_reuse_port(true);
  s.bind(local);
  s.listen(backlog);
  return s;
}

socket connect(const address& remote, std::optional<double> timeout) {
  socket s(remote.family(), SOCK_STREAM);
  s.set_timeout(timeout);
  s.connect(remote);
  s.set_timeout(std::nullopt);
  return s;
}

namespace {

// What serve() shares with the greenthreads of its handlers, which may outlive it.
struct serve_state {
  serve_state(connection_handler h, std::size_t concurrency)
      : handler(std::move(h)), slots(static_cast<std::ptrdiff_t>(concurrency)) {}

  // stop() has the hub throw stop_serve into the greenlet running serve(), at its pending
  // wait, as a timeout would; once only, and not after serve() has returned.
  void stop() {
    if (!server || stopping.pending()) return;
    eventlet::greenlet* g = server;
    stopping = hubs::get_hub().schedule_call_global(
        0, [g] { g->throw_in(std::make_exception_ptr(stop_serve())); });
  }

  connection_handler handler;
  semaphore slots;                       // one unit per handler that may run
  eventlet::greenlet* server = nullptr;  // the greenlet in serve(), null once it returned
  hubs::timer stopping;
};

}  // namespace

void serve(socket& listener, connection_handler handler, std::size_t concurrency) {
  if (!handler) throw std::invalid_argument("serve: the handler is empty");
  if (concurrency == 0) throw std::invalid_argument("serve: the concurrency must be > 0");
  auto state = std::make_shared<serve_state>(std::move(handler), concurrency);
  state->server = getcurrent();
  const scope_exit leave([&s = *state] {
    s.server = nullptr;
    s.stopping.cancel();
  });

  // Out of fds, the listener stays readable while the connection waits in the backlog, so
  // waiting for it to be readable would spin the hub. Instead serve() waits for a green fd of
  // this thread to be closed (the usual way fds come back: a handler ends), and at most a
  // backoff time that doubles from 10 ms to 0.5 s, since fds may be freed elsewhere; then it
  // tries again. The connections it has are served meanwhile.
  constexpr double first_backoff = 0.01, last_backoff = 0.5;
  double backoff = first_backoff;
  try {
    for (;;) {
      std::unique_lock<semaphore> slot(state->slots);
      std::optional<std::pair<socket, address>> accepted;
      try {
        accepted = listener.accept();
      } catch (const std::system_error& e) {
        const int error = e.code().value();  // an errno: accept() throws nothing else
        if (os::connection_error(error)) continue;
        if (!os::out_of_resources(error)) throw;
        slot.unlock();
        detail::wait_for_fd_release(backoff);
        backoff = std::min(backoff * 2, last_backoff);
        continue;
      }
      backoff = first_backoff;
      slot.release();  // the handler's greenthread releases it
      spawn([state, connection = std::move(accepted->first),
             peer = std::move(accepted->second)]() mutable {
        std::lock_guard<semaphore> held(state->slots, std::adopt_lock);
        try {
          state->handler(std::move(connection), std::move(peer));
        } catch (const stop_serve&) {
          state->stop();
        } catch (const greenlet_exit&) {
          // Killed: nothing to report.
        } catch (...) {
          hubs::get_hub().report_exception(std::current_exception(), "a serve() handler");
        }
      });
    }
  } catch (const stop_serve&) {
    // A handler asked serve() to return.
  }
}

}  // namespace eventlet::green
