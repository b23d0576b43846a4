// The kqueue backend (BSDs, macOS): one read and one write filter per fd.
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "backend.hpp"

namespace eventlet::hubs {
namespace {

class kqueue_backend final : public backend {
 public:
  kqueue_backend() : kq_(open()) {}
  ~kqueue_backend() override {
    if (kq_ >= 0) close(kq_);
  }

  std::string_view name() const noexcept override { return "kqueue"; }

  int update(int fd, io from, io to) override {
    struct kevent changes[2];
    int n = 0;
    for (const auto& [bit, filter] : {std::pair{io::read, EVFILT_READ}, std::pair{io::write, EVFILT_WRITE}}) {
      // An unchanged filter is added again when the whole interest is renewed (from == to).
      if (any(from & bit) == any(to & bit) && (from != to || !any(to & bit))) continue;
      EV_SET(&changes[n++], fd, filter, any(to & bit) ? EV_ADD : EV_DELETE, 0, 0, nullptr);
    }
    if (n == 0 || kevent(kq_, changes, n, nullptr, 0, nullptr) == 0) return 0;
    // A closed fd's filters are gone already: removing them is done.
    return errno == ENOENT && !any(to) ? 0 : errno;
  }

  void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) override {
    const timespec ts{static_cast<time_t>(timeout.count() / 1'000'000'000),
                      static_cast<long>(timeout.count() % 1'000'000'000)};
    const int n = kevent(kq_, nullptr, 0, events_, max_events, timeout.count() < 0 ? nullptr : &ts);
    if (n < 0) {
      if (errno == EINTR) return;
      throw std::system_error(errno, std::generic_category(), "kevent");
    }
    for (int i = 0; i < n; ++i) {
      const struct kevent& e = events_[i];
      const int fd = static_cast<int>(e.ident);
      if (e.flags & EV_ERROR)
        out.push_back({fd, io::none, static_cast<int>(e.data)});
      else
        out.push_back({fd, e.filter == EVFILT_READ ? io::read : io::write});
    }
  }

  int after_fork() noexcept override {
    // A kqueue is not inherited by a child: its old number is not ours to close.
    kq_ = kqueue();
    return kq_ < 0 ? errno : 0;
  }

 private:
  static int open() {
    const int fd = kqueue();
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "kqueue");
    return fd;
  }

  static constexpr int max_events = 256;
  int kq_;
  struct kevent events_[max_events];
};

std::unique_ptr<backend> make() { return std::make_unique<kqueue_backend>(); }

}  // namespace

extern constinit const backend_entry kqueue_entry{"kqueue", &always_usable, &make};

}  // namespace eventlet::hubs
