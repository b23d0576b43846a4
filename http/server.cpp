#include "server.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "../base/errors.hpp"
#include "../base/log.hpp"
#include "../base/scope_exit.hpp"
#include "detail/connection.hpp"

namespace eventlet::http {

namespace {

// The options, checked; returns max_connections as the slots' count.
std::ptrdiff_t checked(const handler& h, const server_options& o) {
  if (!h) throw std::invalid_argument("http::server: the handler is empty");
  if (o.max_connections == 0 || o.max_connections > PTRDIFF_MAX)
    throw std::invalid_argument("http::server: max_connections must be > 0");
  if (o.max_requests == 0) throw std::invalid_argument("http::server: max_requests must be > 0");
  for (const double t : {o.header_timeout, o.idle_timeout, o.body_timeout, o.send_timeout})
    if (!(t > 0) || std::isinf(t))
      throw std::invalid_argument("http::server: each timeout must be a number of seconds > 0");
  return static_cast<std::ptrdiff_t>(o.max_connections);
}

}  // namespace

server::server(green::socket& listener, handler h, server_options options)
    : server(listener_ref(&listener), std::move(h), std::move(options)) {}

server::server(green::tls_listener& listener, handler h, server_options options)
    : server(listener_ref(&listener), std::move(h), std::move(options)) {}

server::server(listener_ref listener, handler h, server_options options)
    : listener_(listener),
      handler_(std::move(h)),
      options_(std::move(options)),
      slots_(checked(handler_, options_)),
      sweep_period_(
          std::clamp(std::min(options_.header_timeout, options_.idle_timeout) / 8, 0.005, 1.0)) {}

server::~server() {
  stopping_ = true;
  interrupt_.cancel();
  sweeping_.cancel();
  kill_where([](const open_connection&) { return true; }, nullptr);
}

void server::serve() {
  if (served_) throw std::logic_error("http::server::serve: called a second time");
  served_ = true;
  if (!stopping_) {
    acceptor_ = getcurrent();
    const scope_exit leave([this] {
      acceptor_ = nullptr;
      interrupt_.cancel();
    });
    try {
      accept_loop();
    } catch (const stop_accepting&) {
      // shutdown() is under way.
    }
  }
  stopped_.wait();
}

void server::accept_loop() {
  // Out of fds, the listener stays readable while the connection waits in the backlog:
  // waiting for it would spin. Accepting pauses instead, for a time that doubles from 10 ms
  // to 0.5 s, while the connections already open are served (and free fds as they end).
  constexpr double first_backoff = 0.01, last_backoff = 0.5;
  double backoff = first_backoff;
  for (;;) {
    std::unique_lock<semaphore> slot(slots_);
    std::optional<std::pair<transport, green::address>> accepted;
    try {
      accepted = std::visit(
          [](auto* l) {
            auto [connection, peer] = l->accept();
            return std::pair(transport(std::move(connection)), std::move(peer));
          },
          listener_);
    } catch (const std::system_error& e) {
      const int error = e.code().value();
      if (os::connection_error(error)) continue;
      if (!os::out_of_resources(error)) throw;
      slot.unlock();
      sleep(backoff);
      backoff = std::min(backoff * 2, last_backoff);
      continue;
    }
    backoff = first_backoff;
    slot.release();  // the connection's greenthread gives it back (finished())
    start(std::move(accepted->first), std::move(accepted->second));
  }
}

void server::start(transport t, green::address peer) {
  const auto it = open_.emplace(open_.end());
  ++live_;
  try {
    if (spare_.empty()) {
      it->conn = std::make_unique<detail::connection>(options_, stopping_);
    } else {
      it->conn = std::move(spare_.back());
      spare_.pop_back();
    }
    it->conn->open(std::move(t), std::move(peer));
    it->thread.emplace(spawn([this, c = it->conn.get()] {
      try {
        c->run(handler_);
      } catch (const greenlet_exit&) {
        throw;
      } catch (const std::exception& e) {
        log(log_level::error, std::string("http::server: a connection failed: ") + e.what());
      }
    }));
  } catch (...) {
    finished(it);
    throw;
  }
  // The link also runs for a greenthread killed before it started.
  it->thread->link([this, it](greenthread<void>&) { finished(it); });
  if (!sweeping_.pending())
    sweeping_ = hubs::get_hub().schedule_call_global(sweep_period_, [this] { sweep(); });
}

void server::sweep() noexcept {
  // Idle connections wait in a trampoline with no timer: ending one throws timeout_error
  // there, as a timer of the trampoline's would. (Each ends by itself: none changes another.)
  const double now = hubs::hub::clock();
  std::vector<greenthread<void>> expired;
  for (const open_connection& c : open_)
    if (c.conn->idle() && c.conn->idle_until() <= now) expired.push_back(*c.thread);
  for (greenthread<void>& e : expired) {
    try {
      e.kill(std::make_exception_ptr(timeout_error("http::server: the connection was idle")));
    } catch (...) {
      hubs::get_hub().report_exception(std::current_exception(), "http::server's idle sweep");
    }
  }
  if (!open_.empty())
    sweeping_ = hubs::get_hub().schedule_call_global(sweep_period_, [this] { sweep(); });
}

void server::finished(std::list<open_connection>::iterator it) noexcept {
  // A connection made costs a dozen allocations; a few ended ones are kept for the next.
  constexpr std::size_t spares = 64;
  if (it->conn && spare_.size() < spares) {
    it->conn->close();  // a killed one's is still open
    try {
      spare_.push_back(std::move(it->conn));
    } catch (const std::bad_alloc&) {
      // Not kept, then.
    }
  }
  open_.erase(it);
  --live_;
  slots_.release();
  if (open_.empty()) sweeping_.cancel();
  if (drained_ && !drained_->ready()) drained_->send();
}

template <typename Which>
void server::kill_where(Which which, greenlet* spare) noexcept {
  std::vector<greenthread<void>> victims;
  for (const open_connection& c : open_)
    if (c.thread && c.thread->greenlet() != spare && which(c)) victims.push_back(*c.thread);
  for (greenthread<void>& v : victims) {
    try {
      v.kill();
    } catch (...) {
      hubs::get_hub().report_exception(std::current_exception(), "http::server shutting down");
    }
  }
}

void server::shutdown(double grace) {
  if (!(grace >= 0)) throw std::invalid_argument("http::server::shutdown: grace must be >= 0");
  if (stopping_) {
    stopped_.wait();  // another greenthread is shutting it down
    return;
  }
  stopping_ = true;
  if (greenlet* g = acceptor_)
    interrupt_ = hubs::get_hub().schedule_call_global(
        0, [g] { g->throw_in(std::make_exception_ptr(stop_accepting{})); });
  greenlet* const self = getcurrent();
  kill_where([](const open_connection& c) { return c.conn->idle(); }, self);
  // A handler that shuts its own server down does not wait for its own connection.
  const std::size_t own = std::count_if(open_.begin(), open_.end(), [self](const auto& c) {
    return c.thread && c.thread->greenlet() == self;
  });
  const double deadline = hubs::hub::clock() + grace;
  for (double left; live_ > own && (left = deadline - hubs::hub::clock()) > 0;) {
    drained_.emplace();
    drained_->try_wait(left);
  }
  drained_.reset();
  kill_where([](const open_connection&) { return true; }, self);
  stopped_.send();
}

void serve(green::socket& listener, handler h, server_options options) {
  server s(listener, std::move(h), std::move(options));
  s.serve();
}

void serve(green::tls_listener& listener, handler h, server_options options) {
  server s(listener, std::move(h), std::move(options));
  s.serve();
}

}  // namespace eventlet::http
