// The errors that several floors throw, and the one way the library turns an errno into an
// exception.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "export.hpp"

namespace eventlet {

// timeout_error is thrown when time runs out: by a timeout object (source() is that object's
// id) or by a blocking call's own timeout argument (source() is 0).
class EVENTLET_API timeout_error : public std::runtime_error {
 public:
  explicit timeout_error(const std::string& what = "timed out", std::uint64_t source = 0)
      : std::runtime_error(what), source_(source) {}
  std::uint64_t source() const noexcept { return source_; }

 private:
  std::uint64_t source_;
};

}  // namespace eventlet

namespace eventlet::os {

// throw_error() throws std::system_error for the errno `error`, with `what` (the call that
// failed, and what it was for) as its message.
[[noreturn]] EVENTLET_API void throw_error(int error, const char* what);
[[noreturn]] EVENTLET_API void throw_error(int error, const std::string& what);

// connection_error() tells whether an errno from accept(2) concerns only the connection being
// accepted (Linux reports its pending network error there, which the manual says to treat as
// EAGAIN): a server goes on to the next connection.
EVENTLET_API bool connection_error(int error) noexcept;

// out_of_resources() tells whether an errno means the process or the system is out of fds or
// memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): a server pauses accepting until some are freed.
EVENTLET_API bool out_of_resources(int error) noexcept;

}  // namespace eventlet::os
