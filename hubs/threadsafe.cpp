// Reaching a hub from other threads, and surviving fork(): the mailbox of callbacks other
// threads post, the wake-up fd that wakes the hub for them, and the rebuild of kernel state in a
// forked child.
#include <pthread.h>

#include <system_error>

#include "../base/log.hpp"
#include "detail/internal.hpp"

namespace eventlet::hubs {

namespace detail {

// Bumped in a forked child; each hub compares it with the value it last saw.
std::atomic<std::uint64_t> fork_generation{0};

void mailbox::post(hub::callback fn) {
  std::lock_guard lock(mutex);
  if (gone)
    throw hub_error("run_callback_threadsafe: the hub's thread has exited; nothing runs there");
  const bool wake = calls.empty();
  calls.push_back(std::move(fn));
  if (wake && wake_fd) wake_fd->notify();
}

}  // namespace detail

void remote_hub::post(std::function<void()> fn) const { box_->post(std::move(fn)); }

void hub::run_callback_threadsafe(callback fn) { mailbox_->post(std::move(fn)); }

// Opens the wake-up fd below the backend's fd limit and watches it. Throws std::system_error
// if it cannot be made, hub_error if no fd below the limit is free.
void hub::open_wake_fd() {
  auto fresh = std::make_unique<os::wake_fd>();
  // It took the lowest free number: past the limit, none below it is free.
  if (fresh->fd() >= backend_->fd_limit())
    throw hub_error("the " + std::string(name()) + " hub watches fds below " +
                    std::to_string(backend_->fd_limit()) +
                    " only, and none is free for its wake-up fd; choose another hub "
                    "(EVENTLET_HUB)");
  install_wake_fd(std::move(fresh));
}

// Makes `fresh` the wake-up fd and watches it. A listener still on its number waits on a file
// closed without notify_close() (the new fd took its number): it hears EBADF.
void hub::install_wake_fd(std::unique_ptr<os::wake_fd> fresh) {
  const int fd = fresh->fd();
  if (static_cast<std::size_t>(fd) < fds_.size() && any(fds_[fd].wanted())) notify_close(fd);
  wake_listener_ = add(io::read, fd, [this](int) { drain_threadsafe(); });
  std::lock_guard lock(mailbox_->mutex);
  mailbox_->wake_fd = fresh.get();
  if (!mailbox_->calls.empty()) fresh->notify();  // posted while it had none
  wake_ = std::move(fresh);
}

// Stops watching the wake-up fd and closes it; threadsafe callbacks posted meanwhile wait for
// the next open_wake_fd().
void hub::close_wake_fd() noexcept {
  if (!wake_) return;
  remove(wake_listener_);
  wake_listener_ = nullptr;
  {
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->wake_fd = nullptr;
  }
  wake_.reset();
}

void hub::drain_threadsafe() {
  wake_->drain();
  std::vector<callback> calls;
  {
    std::lock_guard lock(mailbox_->mutex);
    calls.swap(mailbox_->calls);
  }
  for (const callback& fn : calls) call(fn, "a run_callback_threadsafe callback");
}

// In a forked child, the backend's kernel state and the wake-up eventfd are shared with the
// parent: the backend rebuilds its own and forgets every fd, and the hub registers its fds
// anew (a listener on an fd closed meanwhile hears EBADF) and makes a new eventfd. A failure
// leaves the hub unusable: its next wait throws. Never throws itself (notify_close calls it).
void hub::check_fork() noexcept {
  const std::uint64_t now = detail::fork_generation.load(std::memory_order_relaxed);
  if (now == fork_generation_ || !backend_) return;
  fork_generation_ = now;
  new (&mailbox_->mutex) std::mutex;  // no other thread survived to hold it
  const int error = backend_->after_fork();
  renew_registrations();
  // The old wake-up fd is the parent's too. The new one is made while the old is still open,
  // so that it cannot take the old one's number.
  std::unique_ptr<os::wake_fd> old = std::move(wake_);
  listener* old_listener = std::exchange(wake_listener_, nullptr);
  try {
    if (error) os::throw_error(error, "rebuilding the backend");
    open_wake_fd();
  } catch (const std::exception& e) {
    broken_ = error ? error : EIO;
    mailbox_->wake_fd = nullptr;
    log(log_level::error, std::string("the hub cannot run in this forked child: ") + e.what());
  }
  if (old_listener) remove(old_listener);
  if (watchdog_) {  // its thread did not survive the fork: start another
    const double limit = watchdog_limit_;
    blocking_reporter report = std::move(watchdog_report_);
    stop_watchdog(false);
    try {
      set_blocking_detection(limit, std::move(report));
    } catch (const std::exception& e) {
      log(log_level::error, std::string("blocking detection stops after fork(): ") + e.what());
    }
  }
}

}  // namespace eventlet::hubs
