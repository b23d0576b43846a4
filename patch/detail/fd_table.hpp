// The fd table: what libeventlet_patch knows of each fd. An fd is adopted when a greenthread
// first does I/O on it: a socket or a pipe has its kernel file set O_NONBLOCK (the hub waits
// for it), while the mode the program asked for is kept here, as the program sees it through
// fcntl(F_GETFL) and honoured: a program that asked for non-blocking still gets EAGAIN. The
// table is process-wide, like fds; entries are atomics, as several threads may use one fd.
#pragma once
#include <atomic>
#include <cstdint>

namespace eventlet::patch::detail {

// What an entry's flags say.
enum fd_flag : unsigned {
  known = 1,     // adopted: the flags below are set
  managed = 2,   // a socket or pipe whose kernel file is O_NONBLOCK because of us
  nonblock = 4,  // the program asked for non-blocking
  watched = 8,   // a greenthread waited on it (close must tell the hub)
};

struct fd_entry {
  std::atomic<unsigned> flags{0};
  // SO_RCVTIMEO and SO_SNDTIMEO in nanoseconds (0: none).
  std::atomic<std::int64_t> recv_timeout{0}, send_timeout{0};
};

// The table: 256 chunks of 4096 entries (2^20 fds), each made on first use and never freed (an
// fd number stays valid all process long).
inline constexpr int chunk_bits = 12;
inline constexpr int chunk_size = 1 << chunk_bits;
inline constexpr int chunk_count = 256;
extern std::atomic<fd_entry*> chunks[chunk_count];

// entry() is fd's entry, made if needed; null for a negative fd, one beyond the table's size
// (2^20), or when memory runs out.
fd_entry* entry(int fd) noexcept;

// find() is fd's entry if it was ever made, else null; never allocates. Inline: every
// interposed read or write off the hub asks it.
inline fd_entry* find(int fd) noexcept {
  if (unsigned(fd) >= unsigned(chunk_size * chunk_count)) return nullptr;
  fd_entry* c = chunks[fd >> chunk_bits].load(std::memory_order_acquire);
  return c ? &c[fd & (chunk_size - 1)] : nullptr;
}

// adopt() adopts fd if it is not yet (one fstat(), fcntl() and for a socket getsockopt()
// each, once) and returns its flags; 0 if it cannot be (a closed fd: the call itself fails).
unsigned adopt(int fd) noexcept;

// flags() is fd's flags (0 when never adopted).
inline unsigned flags(int fd) noexcept {
  fd_entry* e = find(fd);
  return e ? e->flags.load(std::memory_order_relaxed) : 0;
}

// forget() clears fd's entry: a new file got that number (socket(), accept(), pipe() ...).
void forget(int fd) noexcept;

// copy() gives `to` the entry of `from`: dup() and friends share the file, and its mode.
void copy(int from, int to) noexcept;

}  // namespace eventlet::patch::detail
