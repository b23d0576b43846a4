// The poll(2) backend: portable, O(watched fds) per wait; ppoll for nanosecond timeouts.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "../base/errors.hpp"
#include "backend.hpp"

namespace eventlet::hubs {
namespace {

class poll_backend final : public backend {
 public:
  std::string_view name() const noexcept override { return "poll"; }

  int update(int fd, io, io to) override {
    if (static_cast<std::size_t>(fd) >= slot_.size()) slot_.resize(fd + 1, -1);
    int& i = slot_[fd];
    if (!any(to)) {
      if (i < 0) return 0;
      pollfds_[i] = pollfds_.back();  // move the last entry into the hole
      slot_[pollfds_[i].fd] = i;
      pollfds_.pop_back();
      i = -1;
      return 0;
    }
    const short events = (any(to & io::read) ? POLLIN : 0) | (any(to & io::write) ? POLLOUT : 0);
    if (i < 0) {
      i = static_cast<int>(pollfds_.size());
      pollfds_.push_back({fd, events, 0});
    } else {
      pollfds_[i].events = events;
    }
    return 0;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    const timespec ts{static_cast<time_t>(timeout.count() / 1'000'000'000),
                      static_cast<long>(timeout.count() % 1'000'000'000)};
    const int n =
        ppoll(pollfds_.data(), pollfds_.size(), timeout.count() < 0 ? nullptr : &ts, nullptr);
    if (n < 0) {
      if (errno == EINTR) return;
      os::throw_error(errno, "poll");
    }
    for (const pollfd& p : pollfds_) {
      if (!p.revents) continue;
      if (p.revents & POLLNVAL) {
        out.push_back({p.fd, io::none, EBADF});
        continue;
      }
      const bool broken = p.revents & (POLLERR | POLLHUP);
      out.push_back({p.fd, (p.revents & POLLIN || broken ? io::read : io::none) |
                               (p.revents & POLLOUT || broken ? io::write : io::none)});
    }
  }

  int after_fork() noexcept override {  // nothing in the kernel; forget the fds
    pollfds_.clear();
    std::fill(slot_.begin(), slot_.end(), -1);
    return 0;
  }

 private:
  std::vector<pollfd> pollfds_;
  std::vector<int> slot_;  // fd -> index in pollfds_, or -1
};

std::unique_ptr<backend> make() { return std::make_unique<poll_backend>(); }

}  // namespace

extern constinit const backend_entry poll_entry{"poll", &always_usable, &make};

}  // namespace eventlet::hubs
