// The library's logging hook: every message eventlet (or libevent and libev under it) has for
// a person goes through log(), to the handler set with set_log_handler() -- by default one
// line on stderr, "eventlet: <message>". The library never prints otherwise.
#pragma once

#include <functional>
#include <string_view>

#include "export.hpp"

namespace eventlet {

// How serious a message is. libevent's and libev's own messages keep their levels.
enum class log_level { debug, info, warning, error };

// A log handler receives each message, without a trailing newline. It may be called from any
// thread (pool threads, the blocking-detection watchdog), so it must be thread-safe.
using log_handler = std::function<void(log_level level, std::string_view message)>;

// set_log_handler() makes `handler` receive every later message (empty: the default, stderr)
// and returns the previous handler (empty if it was the default). Thread-safe.
EVENTLET_API log_handler set_log_handler(log_handler handler);

// log() hands `message` to the handler. Never throws: an exception from the handler is
// dropped, as there is nowhere left to report it. Thread-safe.
EVENTLET_API void log(log_level level, std::string_view message) noexcept;

}  // namespace eventlet
