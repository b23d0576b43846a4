// Blocking detection: a watchdog thread that names the greenlet keeping the hub from running.
#include <cmath>
#include <cstdio>

#include "../base/log.hpp"
#include "detail/internal.hpp"

namespace eventlet::hubs {

// Stops the watchdog: its thread is joined, or, in a forked child where it does not exist,
// forgotten; the trace function it replaced is put back.
void hub::stop_watchdog(bool join) {
  if (join) {
    {
      std::lock_guard lock(watchdog_->mutex);
      watchdog_->stop = true;
    }
    watchdog_->wake.notify_all();
    watchdog_->thread->join();
  } else {
    (void)watchdog_->thread.release();
  }
  settrace(std::move(watchdog_->previous));
  watchdog_.reset();
}

void hub::set_blocking_detection(double seconds, blocking_reporter report) {
  if (std::isnan(seconds) || seconds < 0)
    throw std::invalid_argument("set_blocking_detection: time must be 0 (off) or positive");
  if (watchdog_) stop_watchdog(true);
  if (seconds == 0) return;
  watchdog_limit_ = seconds;
  watchdog_report_ = report ? std::move(report) : [](std::string_view who, double s) {
    char took[32];
    std::snprintf(took, sizeof took, "%.3f s", s);
    log(log_level::warning,
        "greenlet '" + std::string(who) + "' has kept the hub from running for " + took);
  };
  check_open("set_blocking_detection");
  auto w = std::make_unique<watchdog>();
  watchdog* wp = w.get();
  eventlet::greenlet* hub_greenlet = greenlet_.get();
  w->running = detail::describe(getcurrent());
  w->hub_running = getcurrent() == hub_greenlet;
  w->previous = settrace([wp, hub_greenlet](eventlet::greenlet* from, eventlet::greenlet* to) {
    {
      std::lock_guard lock(wp->mutex);
      ++wp->switches;
      wp->hub_running = to == hub_greenlet;
      if (!wp->hub_running) wp->running = detail::describe(to);
    }
    if (wp->previous) wp->previous(from, to);
  });
  w->thread = std::make_unique<std::thread>([wp, limit = seconds, report = watchdog_report_] {
    const auto step = std::chrono::duration<double>(limit / 4);
    std::unique_lock lock(wp->mutex);
    std::uint64_t seen = wp->switches;
    double stalled = 0;
    bool reported = false;
    while (!wp->wake.wait_for(lock, step, [wp] { return wp->stop; })) {
      if (wp->switches != seen || wp->hub_running) {
        seen = wp->switches;
        stalled = 0;
        reported = false;
        continue;
      }
      stalled += step.count();
      if (stalled >= limit && !reported) {
        reported = true;
        const std::string who = wp->running;
        ++wp->seen.count;
        wp->seen.last_greenlet = who;
        wp->seen.last_seconds = stalled;
        lock.unlock();
        report(who, stalled);
        lock.lock();
      }
    }
  });
  watchdog_ = std::move(w);
}

hub::blocking_reports hub::blocking_seen() const {
  if (!watchdog_) return {};
  std::lock_guard lock(watchdog_->mutex);
  return watchdog_->seen;
}

}  // namespace eventlet::hubs
