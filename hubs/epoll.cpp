// The epoll backend (Linux): level-triggered, one registration per fd. epoll refuses regular
// files (EPERM) while poll and select call them always ready; so does this backend. Waits
// use epoll_pwait2's nanoseconds where the kernel has it (5.11), else whole milliseconds.
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "../base/errors.hpp"
#include "backend.hpp"

namespace eventlet::hubs {
namespace {

std::uint32_t to_epoll(io events) {
  return (any(events & io::read) ? EPOLLIN : 0u) | (any(events & io::write) ? EPOLLOUT : 0u);
}

class epoll_backend final : public backend {
 public:
  epoll_backend() : epfd_(open()) {}
  ~epoll_backend() override {
    if (epfd_ >= 0) close(epfd_);
  }

  std::string_view name() const noexcept override { return "epoll"; }

  int update(int fd, io from, io to) override {
    std::erase_if(always_ready_, [fd](const ready_fd& r) { return r.fd == fd; });
    epoll_event ev{};
    ev.events = to_epoll(to);
    ev.data.fd = fd;
    // A change from some interest to the same one is a MOD, which re-registers the fd.
    int op = !any(from) ? EPOLL_CTL_ADD : !any(to) ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (epoll_ctl(epfd_, op, fd, &ev) == 0) return 0;
    // The fd was closed (and maybe its number reused) without notify_close(): the kernel
    // dropped the old registration, so a change is an add and a delete is done.
    if (errno == ENOENT && op == EPOLL_CTL_MOD && epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0)
      return 0;
    if (errno == ENOENT && op == EPOLL_CTL_DEL) return 0;
    if (errno == EEXIST && op == EPOLL_CTL_ADD && epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0)
      return 0;
    if (errno == EPERM && any(to)) {
      always_ready_.push_back({fd, to});
      return 0;
    }
    return errno;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    if (!always_ready_.empty()) {
      out.insert(out.end(), always_ready_.begin(), always_ready_.end());
      timeout = std::chrono::nanoseconds{0};
    }
    const int n = wait_for(timeout);
    if (n < 0) {
      if (errno == EINTR) return;
      os::throw_error(errno, "epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      const std::uint32_t e = events_[i].events;
      // Errors and hang-ups wake both directions: the read or write then tells what happened.
      const bool broken = e & (EPOLLERR | EPOLLHUP);
      out.push_back({events_[i].data.fd, (e & EPOLLIN || broken ? io::read : io::none) |
                                             (e & EPOLLOUT || broken ? io::write : io::none)});
    }
  }

  int after_fork() noexcept override {
    // The parent's instance: changing it would change the parent's interest. Only our copy
    // of its fd is closed.
    close(epfd_);
    always_ready_.clear();
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    return epfd_ < 0 ? errno : 0;
  }

 private:
  int wait_for(std::chrono::nanoseconds timeout) {
    if (have_pwait2_) {
      const timespec ts{static_cast<time_t>(timeout.count() / 1'000'000'000),
                        static_cast<long>(timeout.count() % 1'000'000'000)};
      const int n =
          epoll_pwait2(epfd_, events_, max_events, timeout.count() < 0 ? nullptr : &ts, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      have_pwait2_ = false;
    }
    // Round up to whole milliseconds: waking early would only spin.
    const int ms =
        timeout.count() < 0 ? -1 : static_cast<int>((timeout.count() + 999'999) / 1'000'000);
    return epoll_wait(epfd_, events_, max_events, ms);
  }

  static int open() {
    const int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) os::throw_error(errno, "epoll_create1");
    return fd;
  }

  static constexpr int max_events = 256;
  int epfd_;
  epoll_event events_[max_events];
  std::vector<ready_fd> always_ready_;  // regular files
  bool have_pwait2_ = true;
};

std::unique_ptr<backend> make() { return std::make_unique<epoll_backend>(); }

}  // namespace

extern constinit const backend_entry epoll_entry{"epoll", &always_usable, &make};

}  // namespace eventlet::hubs
