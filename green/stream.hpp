// stream: buffered reading and writing over a green socket or fd, the seed's makefile().
//
//   green::stream s(conn);                  // conn: a green::socket (or green::fd)
//   while (true) {
//     std::string line = s.readline();     // "...\n", or what is left at EOF ("": EOF)
//     if (line.empty()) break;
//     s.write(line);
//   }
//   s.flush();
//
// The stream does not own the device, which must outlive it; one device may have several
// streams (say, one to read and one to write). Timeouts are the device's. Nothing is lost on
// an error: bytes read stay buffered for the next call, bytes not yet written stay buffered
// for the next flush(). The destructor does not flush (flushing may block and fail): call
// flush().
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../base/export.hpp"

namespace eventlet::green {

// line_too_long is thrown by readline() and read_until() when no delimiter comes within
// max_length bytes; those bytes stay buffered.
class EVENTLET_API line_too_long : public std::length_error {
 public:
  using std::length_error::length_error;
};

class EVENTLET_API stream {
 public:
  // The default bound of readline() and read_until().
  static constexpr std::size_t default_max_length = 64 * 1024;

  // The default buffer size: how much one read asks the device for, and how much write()
  // gathers before passing it on.
  static constexpr std::size_t default_buffer_size = 8 * 1024;

  // stream() buffers `device`: a green::socket (or anything with recv_into() and send()) or a
  // green::fd (or anything with read_into() and write_some()). Reads ask the device for up to
  // `buffer_size` bytes at a time; writes are passed on once that many are buffered. Throws
  // std::invalid_argument for a buffer_size of 0.
  template <typename Device>
  explicit stream(Device& device, std::size_t buffer_size = default_buffer_size)
      : stream(&device, &read_from<Device>, &write_to<Device>, buffer_size) {}

  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  // read() returns up to `n` bytes: buffered ones if there are any, else what one read of the
  // device brings; "" at EOF (or for n = 0). Throws what the device throws.
  std::string read(std::size_t n);

  // read_exactly() returns `n` bytes, fewer only if EOF comes first. Throws what the device
  // throws (the bytes read so far stay buffered).
  std::string read_exactly(std::size_t n);

  // readline() returns a line with its '\n', or what is left before EOF ("" at EOF). Throws
  // line_too_long if no '\n' comes within `max_length` bytes (the '\n' counted), and what the
  // device throws.
  std::string readline(std::size_t max_length = default_max_length);

  // read_until() is readline() with `delimiter` (one or more bytes) in place of "\n". Throws
  // std::invalid_argument for an empty delimiter or a max_length of 0.
  std::string read_until(std::string_view delimiter, std::size_t max_length = default_max_length);

  // write() buffers `data`, writing to the device once the buffer is full (large data goes
  // straight through). Throws what the device throws; what it did not take stays buffered.
  void write(std::string_view data);

  // flush() writes everything buffered, waiting as the device does. Throws what the device
  // throws; what it did not take stays buffered.
  void flush();

  // buffered() is how many bytes have been read from the device and not returned yet.
  std::size_t buffered() const noexcept { return end_ - start_; }

 private:
  using read_fn = std::size_t (*)(void*, std::span<char>);
  using write_fn = std::size_t (*)(void*, std::string_view);

  template <typename Device>
  static std::size_t read_from(void* device, std::span<char> buffer) {
    auto& d = *static_cast<Device*>(device);
    if constexpr (requires { d.recv_into(buffer); })
      return d.recv_into(buffer);
    else
      return d.read_into(buffer);
  }
  template <typename Device>
  static std::size_t write_to(void* device, std::string_view data) {
    auto& d = *static_cast<Device*>(device);
    if constexpr (requires { d.send(data); })
      return d.send(data);
    else
      return d.write_some(data);
  }

  stream(void* device, read_fn read, write_fn write, std::size_t buffer_size);
  // Reads up to buffer_size_ more bytes from the device after the buffered ones; returns how
  // many (0: EOF).
  std::size_t fill();
  // Returns the next `n` buffered bytes.
  std::string take(std::size_t n);
  // readline() and read_until(); `what` names the call in errors.
  std::string line(std::string_view delimiter, std::size_t max_length, const char* what);
  // Writes all of `data`; on an exception, what was not written goes to out_.
  void write_all(std::string_view data);

  void* device_;
  read_fn read_;
  write_fn write_;
  std::size_t buffer_size_;
  // Bytes read and not yet returned are in_[start_, end_). The buffer is allocated on the first
  // read and never zero-filled: pages the device never writes to cost no memory.
  std::unique_ptr<char[]> in_;
  std::size_t capacity_ = 0, start_ = 0, end_ = 0;
  std::string out_;  // bytes to write
};

}  // namespace eventlet::green
