// The kqueue backend (BSDs, macOS): a read and a write filter per fd, level-triggered. Regular
// files count as always ready, as poll and select see them (kqueue's read filter on a file
// waits for data past the file offset). This project builds and runs it nowhere: see README.
// clang-format off
#include <sys/types.h>  // first: older BSDs' <sys/event.h> needs it
// clang-format on

#include <fcntl.h>
#include <sys/event.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

#include "../base/errors.hpp"
#include "backend.hpp"

namespace eventlet::hubs {
namespace {

constexpr std::pair<io, int> filters[] = {{io::read, EVFILT_READ}, {io::write, EVFILT_WRITE}};

// macOS refuses a longer timeout (EINVAL); a longer wait is that one, repeated.
constexpr std::int64_t max_wait_seconds = 100'000'000;

bool is_regular_file(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

class kqueue_backend final : public backend {
 public:
  kqueue_backend() : kq_(open_kqueue()) {
    if (kq_ < 0) os::throw_error(errno, "kqueue");
  }
  ~kqueue_backend() override {
    if (kq_ >= 0 && owner_ == getpid()) close(kq_);  // a forked child has no copy: see after_fork
  }

  std::string_view name() const noexcept override { return "kqueue"; }

  int update(int fd, io from, io to) override {
    const bool was_file =
        std::erase_if(always_ready_, [fd](const ready_fd& r) { return r.fd == fd; }) != 0;
    if (any(to) ? is_regular_file(fd) : was_file) {
      if (any(to)) always_ready_.push_back({fd, to});
      return 0;
    }
    // One change per call: kevent() stops at the first change that fails.
    for (const auto& [bit, filter] : filters) {
      if (any(to & bit)) {
        // Added also when it is already (that only updates it): the number may name another
        // file since, which has none of our filters.
        if (change(fd, filter, EV_ADD) == 0) continue;
        const int error = errno;
        for (const auto& f : filters) change(fd, f.second, EV_DELETE);  // none left half-added
        return error;
      }
      // A filter the kernel dropped already (its fd was closed) is gone as wanted.
      if (any(from & bit) && change(fd, filter, EV_DELETE) < 0 && errno != ENOENT) return errno;
    }
    return 0;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    if (!always_ready_.empty()) {
      out.insert(out.end(), always_ready_.begin(), always_ready_.end());
      timeout = std::chrono::nanoseconds{0};
    }
    const std::int64_t ns =
        std::min<std::int64_t>(timeout.count(), max_wait_seconds * 1'000'000'000);
    const timespec ts{static_cast<time_t>(ns / 1'000'000'000),
                      static_cast<long>(ns % 1'000'000'000)};
    const int n = kevent(kq_, nullptr, 0, events_, max_events, timeout.count() < 0 ? nullptr : &ts);
    if (n < 0) {
      if (errno == EINTR) return;
      os::throw_error(errno, "kevent");
    }
    // No EV_ERROR entry comes back: changes, which are what fail, are made in update(). An
    // EV_EOF entry (peer gone, socket error) is readiness too: the read or write tells which.
    for (int i = 0; i < n; ++i)
      out.push_back({static_cast<int>(events_[i].ident),
                     events_[i].filter == EVFILT_READ ? io::read : io::write});
  }

  int after_fork() noexcept override {
    // A child does not inherit a kqueue: the parent's number is no descriptor of the child's,
    // or by now another file of its own, so it is not closed (nor, later, by the destructor).
    always_ready_.clear();
    owner_ = getpid();
    kq_ = open_kqueue();
    return kq_ < 0 ? errno : 0;
  }

 private:
  // A new kqueue, closed on exec; -1 and errno when refused.
  static int open_kqueue() noexcept {
    const int fd = kqueue();
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);  // cannot fail on a descriptor just made
    return fd;
  }

  int change(int fd, int filter, unsigned short flags) {
    struct kevent c;
    EV_SET(&c, fd, filter, flags, 0, 0, 0);
    return kevent(kq_, &c, 1, nullptr, 0, nullptr);
  }

  static constexpr int max_events = 256;
  pid_t owner_ = getpid();  // the process whose kqueue kq_ is
  int kq_;
  std::vector<ready_fd> always_ready_;  // regular files
  struct kevent events_[max_events];
};

std::unique_ptr<backend> make() { return std::make_unique<kqueue_backend>(); }

}  // namespace

extern constinit const backend_entry kqueue_entry{"kqueue", &always_usable, &make};

}  // namespace eventlet::hubs
