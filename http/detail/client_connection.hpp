// client_connection: a connection of the HTTP client to one origin, with the bytes it received
// that are not consumed yet; the pool keeps it between requests, a response reads its body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "../transport.hpp"
#include "../url.hpp"

namespace eventlet::http::detail {

struct client_connection {
  http::origin origin;
  transport link;
  std::string buffer;     // received bytes; those before `start` are consumed
  std::size_t start = 0;  // the first unconsumed byte of `buffer`
  bool reused = false;    // it carried a request before this one

  // unread() is what was received and not consumed yet.
  std::string_view unread() const noexcept { return std::string_view(buffer).substr(start); }
  // receive() reads what comes next (at most 16 KiB) after the unread bytes, dropping the
  // consumed ones first; returns how many bytes came (0: the peer closed). Throws what
  // transport::recv_into() throws.
  std::size_t receive();
};

}  // namespace eventlet::http::detail
