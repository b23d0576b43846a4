#include "fd_table.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>

#include "calls.hpp"

namespace eventlet::patch::detail {

std::atomic<fd_entry*> chunks[chunk_count];

namespace {

std::int64_t to_ns(const timeval& tv) noexcept {
  return std::int64_t(tv.tv_sec) * 1000000000 + std::int64_t(tv.tv_usec) * 1000;
}

std::int64_t socket_timeout(int fd, int option) noexcept {
  timeval tv{};
  socklen_t len = sizeof tv;
  return real_getsockopt(fd, SOL_SOCKET, option, &tv, &len) == 0 ? to_ns(tv) : 0;
}

}  // namespace

fd_entry* entry(int fd) noexcept {
  if (fd < 0 || fd >= chunk_size * chunk_count) return nullptr;
  std::atomic<fd_entry*>& slot = chunks[fd >> chunk_bits];
  fd_entry* c = slot.load(std::memory_order_acquire);
  if (!c) {
    // calloc: all-zero atomics are the empty entries; no constructor, no exception.
    auto* fresh = static_cast<fd_entry*>(std::calloc(chunk_size, sizeof(fd_entry)));
    if (!fresh) return nullptr;
    if (slot.compare_exchange_strong(c, fresh, std::memory_order_acq_rel))
      c = fresh;
    else
      std::free(fresh);
  }
  return &c[fd & (chunk_size - 1)];
}

unsigned adopt(int fd) noexcept {
  fd_entry* e = entry(fd);
  if (!e) return 0;
  unsigned f = e->flags.load(std::memory_order_relaxed);
  if (f & known) return f;
  struct stat st;
  if (::fstat(fd, &st) != 0) return 0;
  f = known;
  const bool socket = S_ISSOCK(st.st_mode);
  if (socket || S_ISFIFO(st.st_mode)) {
    const int fl = real_fcntl(fd, F_GETFL);
    if (fl < 0) return 0;
    f |= managed;
    if (fl & O_NONBLOCK)
      f |= nonblock;
    else if (real_fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
      return 0;
    if (socket) {
      e->recv_timeout.store(socket_timeout(fd, SO_RCVTIMEO), std::memory_order_relaxed);
      e->send_timeout.store(socket_timeout(fd, SO_SNDTIMEO), std::memory_order_relaxed);
    }
  }
  e->flags.store(f, std::memory_order_relaxed);
  return f;
}

void forget(int fd) noexcept {
  if (fd_entry* e = find(fd)) {
    e->flags.store(0, std::memory_order_relaxed);
    e->recv_timeout.store(0, std::memory_order_relaxed);
    e->send_timeout.store(0, std::memory_order_relaxed);
  }
}

void copy(int from, int to) noexcept {
  fd_entry* a = find(from);
  if (!a) {
    forget(to);
    return;
  }
  fd_entry* b = entry(to);
  if (!b) return;
  b->flags.store(a->flags.load(std::memory_order_relaxed) & ~watched, std::memory_order_relaxed);
  b->recv_timeout.store(a->recv_timeout.load(std::memory_order_relaxed), std::memory_order_relaxed);
  b->send_timeout.store(a->send_timeout.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace eventlet::patch::detail
