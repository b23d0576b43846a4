// Green signals: wait for a signal in a greenthread, suspending only it, on a signalfd.
//
//   int main() {
//     green::mask_signals({SIGINT, SIGTERM});  // first, before any thread is started
//     ...
//     eventlet::spawn([&] {
//       green::wait_signal({SIGINT, SIGTERM});  // then stop accepting, drain, return
//       server.shutdown(5);
//     });
//
// The signal mask. A signalfd sees a signal only while it is blocked: one that is not blocked
// in some thread is delivered there instead, and SIGINT's and SIGTERM's default action ends
// the process. wait_signal() blocks its signals in the calling thread, but a signal sent to
// the process may be delivered to any thread that does not block it, so block them in every
// thread: call mask_signals() in main() before starting threads (they inherit the mask). The
// native thread pool's threads (tpool) already block every asynchronous signal. A blocked
// signal that comes while nobody waits stays pending, for the next wait_signal() (signals of
// one number do not queue: several before a wait count as one).
//
// Several greenthreads of one thread may wait at once, for the same signals or for others:
// a signal wakes every greenthread of that thread waiting for it. Each thread (each hub) has
// its own signalfd; a signal sent to the process goes to one of the threads waiting for it,
// a signal sent to a thread (pthread_kill, tgkill) only to that thread.
#pragma once

#include <optional>
#include <vector>

#include "../base/export.hpp"

namespace eventlet::green {

// mask_signals() blocks `signals` in the calling thread, and so in every thread it starts
// afterwards; they stay blocked. Throws std::invalid_argument for a number that is not a
// signal one can wait for (not in 1..NSIG-1, or SIGKILL, SIGSTOP).
EVENTLET_API void mask_signals(const std::vector<int>& signals);

// wait_signal() blocks `signals` in the calling thread (as mask_signals() does) and suspends
// the calling greenthread until one of them comes; returns its number. With a `timeout`, it
// throws timeout_error if none comes within `timeout` seconds. Throws std::invalid_argument
// for an empty list, a bad signal number or a negative or NaN timeout, hubs::hub_error from
// the hub greenlet, std::system_error if no signalfd can be made (EMFILE, ...).
EVENTLET_API int wait_signal(const std::vector<int>& signals,
                             std::optional<double> timeout = std::nullopt);

// try_wait_signal() is wait_signal() with a timeout that is no error: it returns nothing if no
// signal comes within `timeout` seconds. Throws as wait_signal() does otherwise.
EVENTLET_API std::optional<int> try_wait_signal(const std::vector<int>& signals, double timeout);

}  // namespace eventlet::green
