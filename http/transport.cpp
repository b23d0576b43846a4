#include "transport.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "../base/errors.hpp"

namespace eventlet::http {

std::size_t transport::recv_into(std::span<char> buffer) {
  return std::visit([&](auto& s) { return s.recv_into(buffer); }, s_);
}

std::size_t transport::send(std::string_view data) {
  return std::visit([&](auto& s) { return s.send(data); }, s_);
}

void transport::sendall(std::string_view data) {
  std::visit([&](auto& s) { s.sendall(data); }, s_);
}

void transport::sendall(std::span<const std::string_view> pieces) {
  if (green::socket* s = plain()) return s->sendall(pieces);
  green::tls_socket& t = *tls();
  constexpr std::size_t record = 16 * 1024;
  std::string gathered;
  for (const std::string_view p : pieces) {
    if (gathered.size() + p.size() <= record) {
      gathered += p;
      continue;
    }
    if (!gathered.empty()) t.sendall(gathered);
    gathered.clear();
    if (p.size() >= record)
      t.sendall(p);
    else
      gathered = p;
  }
  t.sendall(gathered);
}

void transport::sendfile(int fd, off_t& offset, std::size_t count) {
  if (green::socket* s = plain()) {
    while (count > 0) {
      const std::size_t n = s->sendfile(fd, offset, count);
      if (n == 0) os::throw_error(EINVAL, "sendfile: the file ends before the count");
      count -= n;
    }
    return;
  }
  std::string buffer(std::min<std::size_t>(count, 64 * 1024), '\0');
  while (count > 0) {
    const ssize_t n = ::pread(fd, buffer.data(), std::min(count, buffer.size()), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) os::throw_error(errno, "sendfile: pread");
    if (n == 0) os::throw_error(EINVAL, "sendfile: the file ends before the count");
    tls()->sendall(std::string_view(buffer.data(), std::size_t(n)));
    offset += n;
    count -= std::size_t(n);
  }
}

void transport::shutdown_write() {
  if (green::socket* s = plain())
    s->shutdown(SHUT_WR);
  else
    tls()->shutdown();
}

void transport::close() noexcept {
  std::visit([](auto& s) { s.close(); }, s_);
}

void transport::set_timeout(std::optional<double> seconds) {
  std::visit([&](auto& s) { s.set_timeout(seconds); }, s_);
}

std::optional<double> transport::timeout() const noexcept {
  return std::visit([](const auto& s) { return s.timeout(); }, s_);
}

int transport::fileno() const noexcept {
  return std::visit([](const auto& s) { return s.fileno(); }, s_);
}

}  // namespace eventlet::http
