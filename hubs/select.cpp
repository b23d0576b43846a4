// The select(2) backend: the oldest and most portable; watches fds below FD_SETSIZE only.
#include <sys/select.h>

#include <cerrno>
#include <system_error>

#include "../base/errors.hpp"
#include "../base/fd.hpp"
#include "backend.hpp"

namespace eventlet::hubs {
namespace {

class select_backend final : public backend {
 public:
  select_backend() {
    FD_ZERO(&read_);
    FD_ZERO(&write_);
  }

  std::string_view name() const noexcept override { return "select"; }

  int fd_limit() const noexcept override { return FD_SETSIZE; }

  int update(int fd, io, io to) override {
    any(to & io::read) ? FD_SET(fd, &read_) : FD_CLR(fd, &read_);
    any(to & io::write) ? FD_SET(fd, &write_) : FD_CLR(fd, &write_);
    if (any(to) && fd >= nfds_) nfds_ = fd + 1;
    while (nfds_ > 0 && !FD_ISSET(nfds_ - 1, &read_) && !FD_ISSET(nfds_ - 1, &write_)) --nfds_;
    return 0;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    fd_set r = read_, w = write_;
    timeval tv{static_cast<time_t>(timeout.count() / 1'000'000'000),
               static_cast<suseconds_t>((timeout.count() % 1'000'000'000 + 999) / 1000)};
    const int n = select(nfds_, &r, &w, nullptr, timeout.count() < 0 ? nullptr : &tv);
    if (n < 0) {
      if (errno == EINTR) return;
      if (errno == EBADF) return report_closed(out);
      os::throw_error(errno, "select");
    }
    for (int fd = 0; fd < nfds_; ++fd) {
      const io events =
          (FD_ISSET(fd, &r) ? io::read : io::none) | (FD_ISSET(fd, &w) ? io::write : io::none);
      if (any(events)) out.push_back({fd, events});
    }
  }

  int after_fork() noexcept override {  // nothing in the kernel; forget the fds
    FD_ZERO(&read_);
    FD_ZERO(&write_);
    nfds_ = 0;
    return 0;
  }

 private:
  // select() fails whole when one fd is closed: find which, so their listeners hear EBADF.
  void report_closed(std::vector<ready_fd>& out) {
    for (int fd = 0; fd < nfds_; ++fd)
      if ((FD_ISSET(fd, &read_) || FD_ISSET(fd, &write_)) && !os::is_open(fd))
        out.push_back({fd, io::none, EBADF});
  }

  fd_set read_, write_;
  int nfds_ = 0;
};

std::unique_ptr<backend> make() { return std::make_unique<select_backend>(); }

}  // namespace

extern constinit const backend_entry select_entry{"select", &always_usable, &make};

}  // namespace eventlet::hubs
