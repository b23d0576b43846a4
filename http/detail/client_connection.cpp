#include "client_connection.hpp"

namespace eventlet::http::detail {

std::size_t client_connection::receive() {
  if (start > 0) {
    buffer.erase(0, start);
    start = 0;
  }
  const std::size_t old = buffer.size();
  buffer.resize(old + 16 * 1024);
  std::size_t n = 0;
  try {
    n = link.recv_into({buffer.data() + old, buffer.size() - old});
  } catch (...) {
    buffer.resize(old);
    throw;
  }
  buffer.resize(old + n);
  return n;
}

}  // namespace eventlet::http::detail
