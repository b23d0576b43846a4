// join() and leave(), and what both loop drivers share (detail/driver.hpp).
#include "join.hpp"

#include <exception>
#include <string>
#include <utility>

#include "../base/log.hpp"
#include "detail/driver.hpp"
#include "detail/drivers.hpp"

namespace eventlet::embed {
namespace detail {
namespace {

constinit thread_local driver* joined_driver = nullptr;

// What leave() says about the greenthreads the loop left waiting.
std::string waiting_report(const hubs::hub& h) {
  std::string names;
  for (const eventlet::greenlet* g : h.greenthreads()) {
    if (!names.empty()) names += ", ";
    names += g->name().empty() ? "(unnamed)" : std::string(g->name());
  }
  return "embed::leave: the application's loop returned while " +
         std::to_string(h.greenthread_count()) + " greenthread(s) still wait: " + names +
         "; they are killed now, while the loop still exists";
}

}  // namespace

driver* driver::current() noexcept { return joined_driver; }

driver::driver(hubs::hub& h) : hub_(h), loop_greenlet_(getcurrent()) {}

driver::~driver() {
  if (joined_driver == this) joined_driver = nullptr;
}

void driver::post(std::function<void()> fn) {
  posted_.push_back(std::move(fn));
  kick();
}

void driver::park(std::vector<hubs::ready_fd>& out) {
  if (ready_.empty()) loop_greenlet_->switch_to();
  out.insert(out.end(), ready_.begin(), ready_.end());
  ready_.clear();
}

void driver::on_run() noexcept {
  try {
    for (auto& fn : std::exchange(posted_, {})) {
      try {
        fn();
      } catch (...) {
        hub_.report_exception(std::current_exception(), "a call posted to the joined loop");
      }
    }
    hub_.enter();
  } catch (...) {
    hub_.report_exception(std::current_exception(), "the hub in the joined loop");
  }
}

// Joins the thread's hub to the loop `make` builds a driver on.
joined_loop join(std::unique_ptr<driver> (*make)(hubs::hub&, void*), void* loop) {
  hubs::hub& h = hubs::get_hub();
  h.check_thread("embed::join");
  if (getcurrent()->parent())
    throw hubs::hub_error(
        "embed::join: call it in the thread's main greenlet, which runs the loop");
  if (joined_driver) throw hubs::hub_error("embed::join: the thread's hub already joined a loop");
  std::unique_ptr<driver> d = make(h, loop);
  driver* raw = d.get();
  raw->previous = std::string(h.name());
  hubs::use_hub(std::move(d));
  h.join_loop([raw] { raw->kick(); });
  joined_driver = raw;
  raw->kick();  // a first pass once the loop runs: what was runnable before joining runs
  return joined_loop(join_tag{});
}

}  // namespace detail

joined_loop join(event_base* base) {
  if (!base) throw std::invalid_argument("embed::join: null event_base");
  return detail::join(&detail::make_libevent_driver, base);
}

joined_loop join(struct ev_loop* loop) {
  if (!loop) throw std::invalid_argument("embed::join: null ev_loop");
  return detail::join(&detail::make_libev_driver, loop);
}

void leave() {
  detail::driver* d = detail::driver::current();
  if (!d) return;
  hubs::hub& h = hubs::get_hub();
  if (getcurrent() != h.joined_loop())
    throw hubs::hub_error("embed::leave: call it in the thread's main greenlet");
  if (d->in_callback())
    throw hubs::hub_error(
        "embed::leave: called inside a callback of the joined loop; end the loop "
        "(event_base_loopexit(), ev_break()) and leave after it returned");
  // The hub's greenlet waits inside the driver: it ends its pass and returns, so that nothing
  // of the driver is on a stack when it goes.
  h.abort();
  h.enter();
  h.join_loop({});
  const std::string previous = std::move(d->previous);
  const bool left = h.greenthread_count() != 0;
  if (left) log(log_level::warning, detail::waiting_report(h));
  hubs::use_hub(previous);  // frees the driver, which unregisters everything
  if (!left) return;
  // The greenthreads left may hold what lives in the loop (a green_transport's bufferevent):
  // they end now, while the application's loop still exists, as hub::shutdown() ends them.
  hubs::shutdown();
  hubs::use_hub(previous);
}

bool joined() noexcept { return detail::driver::current() != nullptr; }

joined_loop::~joined_loop() {
  if (!active_) return;
  try {
    leave();
  } catch (const std::exception& e) {
    log(log_level::error, std::string("embed: leaving the joined loop: ") + e.what());
  }
}

void joined_loop::leave() {
  if (!active_) return;
  embed::leave();
  active_ = false;
}

}  // namespace eventlet::embed
