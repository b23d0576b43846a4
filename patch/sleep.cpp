// The interposed sleeps: in a greenthread, a timer on the hub (the others run meanwhile); a
// kill or timeout thrown in the meantime ends the sleep early with EINTR, as a signal would.
#include <time.h>
#include <unistd.h>

#include "detail/calls.hpp"
#include "detail/green.hpp"

namespace d = eventlet::patch::detail;

namespace eventlet::patch::detail {

real<unsigned(unsigned)> real_sleep{"sleep"};
real<int(useconds_t)> real_usleep{"usleep"};
real<int(const timespec*, timespec*)> real_nanosleep{"nanosleep"};
real<int(clockid_t, int, const timespec*, timespec*)> real_clock_nanosleep{"clock_nanosleep"};

namespace {

// green_sleep() sleeps `ns` on the hub; returns 0, or EINTR/ECANCELED with the time left.
int green_sleep(hubs::hub& h, std::int64_t ns, std::int64_t* left) noexcept {
  const std::int64_t deadline = now_ns() + ns;
  const int saved = errno;
  const int e = wait(h, nullptr, 0, ns < 0 ? 0 : ns);
  if (e == ETIMEDOUT) {
    errno = saved;
    return 0;
  }
  if (left) *left = deadline - now_ns() > 0 ? deadline - now_ns() : 0;
  return e;
}

void to_timespec(std::int64_t ns, timespec* ts) noexcept {
  if (!ts) return;
  ts->tv_sec = ns / 1000000000;
  ts->tv_nsec = ns % 1000000000;
}

}  // namespace

}  // namespace eventlet::patch::detail

extern "C" {

EVENTLET_API unsigned sleep(unsigned seconds) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h) return d::real_sleep(seconds);
  std::int64_t left = 0;
  if (d::green_sleep(*h, std::int64_t(seconds) * 1000000000, &left) == 0) return 0;
  return unsigned((left + 999999999) / 1000000000);
}

EVENTLET_API int usleep(useconds_t us) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h) return d::real_usleep(us);
  const int e = d::green_sleep(*h, std::int64_t(us) * 1000, nullptr);
  if (e) errno = e;
  return e ? -1 : 0;
}

EVENTLET_API int nanosleep(const timespec* req, timespec* rem) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h || !req || req->tv_nsec < 0 || req->tv_nsec > 999999999 || req->tv_sec < 0)
    return d::real_nanosleep(req, rem);
  std::int64_t left = 0;
  const int e = d::green_sleep(*h, std::int64_t(req->tv_sec) * 1000000000 + req->tv_nsec, &left);
  if (!e) return 0;
  d::to_timespec(left, rem);
  errno = e;
  return -1;
}

EVENTLET_API int clock_nanosleep(clockid_t clock, int flags, const timespec* req, timespec* rem) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h || !req || req->tv_nsec < 0 || req->tv_nsec > 999999999 || req->tv_sec < 0)
    return d::real_clock_nanosleep(clock, flags, req, rem);
  std::int64_t ns = std::int64_t(req->tv_sec) * 1000000000 + req->tv_nsec;
  if (flags & TIMER_ABSTIME) {
    timespec now;
    if (clock_gettime(clock, &now) != 0) return errno;
    ns -= std::int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
    if (ns <= 0) return 0;
  }
  std::int64_t left = 0;
  const int e = d::green_sleep(*h, ns, &left);
  if (e && !(flags & TIMER_ABSTIME)) d::to_timespec(left, rem);
  return e;  // clock_nanosleep() returns the error rather than setting errno
}

}  // extern "C"
