// The default pool, which tpool::execute() uses: its size from EVENTLET_THREADPOOL_SIZE.
#include "tpool.hpp"

#include <stdlib.h>

#include <charconv>
#include <climits>
#include <string>

namespace eventlet::tpool {
namespace {

constexpr int default_size = 20;

// The pool's size from EVENTLET_THREADPOOL_SIZE, or default_size if it is unset or empty (as
// EVENTLET_HUB is read). Ignored in setuid and setgid programs, like EVENTLET_HUB.
int size_from_environment() {
  const char* env = secure_getenv("EVENTLET_THREADPOOL_SIZE");
  if (!env || !*env) return default_size;
  const char* end = env + std::char_traits<char>::length(env);
  unsigned long value = 0;
  const auto [stop, error] = std::from_chars(env, end, value);
  if (error != std::errc{} || stop != end || value < 1 || value > INT_MAX)
    throw std::invalid_argument("EVENTLET_THREADPOOL_SIZE must be a positive integer, not \"" +
                                std::string(env) + "\"");
  return static_cast<int>(value);
}

}  // namespace

// Never destroyed: its threads may still run calls while the process exits. A bad environment
// throws from the first call, and the next call tries again.
pool& default_pool() {
  static pool& p = *new pool({.min = 0, .max = size_from_environment()});
  return p;
}

int num_threads() { return default_pool().max(); }

void set_num_threads(int n) { default_pool().set_max(n); }

void killall() { default_pool().killall(); }

}  // namespace eventlet::tpool
