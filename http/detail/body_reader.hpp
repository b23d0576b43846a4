// body_reader: what reads a client_response's body from its connection, by Content-Length,
// chunked coding or until the server closes, and gives the connection back to the pool, or
// closes it, once the body has been read or is given up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "../chunked.hpp"
#include "../message.hpp"
#include "../parser.hpp"
#include "client_connection.hpp"
#include "connection_pool.hpp"

namespace eventlet::http::detail {

class body_reader {
 public:
  // body_reader() reads the body `head` frames from `c`, whose unread bytes start with it;
  // `keep_alive` says whether both sides let the connection carry another request, `timeout`
  // bounds each wait for bytes. A response without a body gives `c` up at once.
  body_reader(std::unique_ptr<client_connection> c, std::weak_ptr<connection_pool> pool,
              const response_head& head, bool keep_alive, double timeout, const limits& l);
  body_reader(const body_reader&) = delete;
  body_reader& operator=(const body_reader&) = delete;
  // ~body_reader() gives the connection up as release() does.
  ~body_reader() { release(); }

  // read() appends up to `max` bytes of the body to `out`, waiting for some if `wait` and
  // none are here, else returning with none. Throws as client_response::read() does.
  void read(std::string& out, std::size_t max, bool wait);
  // length() is the body's size if the head said it (Content-Length), else -1.
  std::int64_t length() const noexcept { return length_; }
  bool done() const noexcept { return done_; }
  const headers& trailers() const noexcept { return decoder_.trailers(); }
  // release() skips what has arrived of the body (up to 64 KiB more from the socket, without
  // waiting); if that ends it, the connection goes to the pool as when a read ends it, else it
  // is closed. Never throws.
  void release() noexcept;

 private:
  // finish() marks the body read whole and gives the connection up.
  void finish() noexcept;
  // fill() waits for more bytes; false at the end of a body the close delimits.
  bool fill();

  std::unique_ptr<client_connection> c_;
  std::weak_ptr<connection_pool> pool_;
  body_kind kind_;
  std::int64_t length_ = -1;
  std::uint64_t remaining_ = 0;  // of a Content-Length body
  chunked_decoder decoder_;
  std::size_t pending_at_ = 0, pending_size_ = 0;  // decoded chunk data in c_->buffer
  bool keep_alive_, done_ = false, failed_ = false;
  double timeout_;
  std::string from_;  // the origin, for messages
};

}  // namespace eventlet::http::detail
