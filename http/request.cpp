#include "request.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "detail/connection.hpp"

namespace eventlet::http {

request::request(detail::connection& c) : conn_(&c), decoder_(c.options.head_limits) {}

void request::start(request_head& head) noexcept {
  head_ = &head;
  path_size_ = std::min(head.target.find('?'), head.target.size());
  remaining_ = head.body == body_kind::length ? head.content_length : 0;
  decoder_.reset();
  decoded_ = {};
  done_ = head.body == body_kind::none;
  continue_sent_ = false;
  failed_ = false;
}

const green::address& request::remote() const noexcept { return conn_->peer; }

std::optional<tls_info> request::tls() const {
  const green::tls_socket* s = conn_->tls();
  if (!s) return std::nullopt;
  return tls_info{s->version(), s->server_name(), s->peer_subject()};
}

std::optional<std::uint64_t> request::content_length() const noexcept {
  if (head_->body != body_kind::length) return std::nullopt;
  return head_->content_length;
}

const http::headers& request::trailers() const noexcept { return decoder_.trailers(); }

void request::send_continue() {
  continue_sent_ = true;
  if (!head_->expect_continue || conn_->response_begun()) return;
  const std::string_view line[] = {"HTTP/1.1 100 Continue\r\n\r\n"};
  conn_->send(line);
}

std::size_t request::read_into(std::span<char> buffer) {
  conn_->usable("http::request::read_into");
  if (done_ || buffer.empty()) return 0;
  if (!continue_sent_) send_continue();
  const double timeout = conn_->options.body_timeout;
  try {
    if (head_->body == body_kind::length) {
      const std::size_t want = std::min<std::uint64_t>(buffer.size(), remaining_);
      std::size_t n = std::min(want, conn_->buffered().size());
      if (n > 0) {
        std::memcpy(buffer.data(), conn_->buffered().data(), n);
        conn_->consume(n);
      } else if ((n = conn_->receive(buffer.first(want), timeout)) == 0) {
        throw parse_error(400, "the connection closed before the end of the request body");
      }
      remaining_ -= n;
      done_ = remaining_ == 0;
      return n;
    }
    for (;;) {  // chunked
      if (!decoded_.empty()) {
        const std::size_t n = std::min(buffer.size(), decoded_.size());
        std::memcpy(buffer.data(), decoded_.data(), n);
        decoded_.remove_prefix(n);
        return n;
      }
      if (decoder_.done()) {
        done_ = true;
        return 0;
      }
      // The decoder's data is a view into the connection's buffer, which stays put until the
      // next fill(): that comes only once decoded_ is empty.
      const chunked_decoder::step step = decoder_.decode(conn_->buffered());
      if (step.consumed == 0) {
        if (conn_->fill(timeout) == 0)
          throw parse_error(400, "the connection closed before the end of the request body");
        continue;
      }
      decoded_ = step.data;
      conn_->consume(step.consumed);
    }
  } catch (const parse_error&) {
    failed_ = true;
    throw;
  }
}

std::string request::read(std::size_t max) {
  std::string out(std::min<std::size_t>(max, 64 * 1024), '\0');
  out.resize(read_into(out));
  return out;
}

std::string request::read_all(std::optional<std::size_t> max) {
  conn_->usable("http::request::read_all");
  const std::size_t bound = max.value_or(conn_->options.max_body);
  std::string out;
  if (head_->body == body_kind::length) {
    if (remaining_ > bound) {
      failed_ = true;
      throw parse_error(413, "the request body is longer than " + std::to_string(bound) + " bytes");
    }
    out.resize(remaining_);
    for (std::size_t at = 0; at < out.size();) at += read_into(std::span(out).subspan(at));
    return out;
  }
  char piece[16 * 1024];
  while (const std::size_t n = read_into(piece)) {
    if (out.size() + n > bound) {
      failed_ = true;
      throw parse_error(413, "the request body is longer than " + std::to_string(bound) + " bytes");
    }
    out.append(piece, n);
  }
  return out;
}

bool request::drain(std::size_t limit) noexcept {
  char sink[4096];
  try {
    // Up to one byte past the limit is read: it tells a body longer than the limit.
    for (std::size_t drained = 0; !done_;) {
      if (drained > limit) return false;
      drained += read_into(std::span(sink, std::min(sizeof sink, limit - drained + 1)));
    }
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace eventlet::http
