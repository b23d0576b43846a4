#include "body_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "../../base/errors.hpp"
#include "../../green/tls_context.hpp"
#include "../client_response.hpp"

namespace eventlet::http::detail {

body_reader::body_reader(std::unique_ptr<client_connection> c, std::weak_ptr<connection_pool> pool,
                         const response_head& head, bool keep_alive, double timeout,
                         const limits& l)
    : c_(std::move(c)),
      pool_(std::move(pool)),
      kind_(head.body),
      decoder_(l),
      keep_alive_(keep_alive),
      timeout_(timeout),
      from_(c_->origin.to_string()) {
  if (kind_ == body_kind::length) {
    remaining_ = head.content_length;
    length_ = static_cast<std::int64_t>(std::min<std::uint64_t>(remaining_, INT64_MAX));
  }
  if (kind_ == body_kind::none) {
    length_ = 0;
    finish();
  }
}

void body_reader::finish() noexcept {
  done_ = true;
  std::unique_ptr<client_connection> c = std::move(c_);
  if (!keep_alive_ || !c->unread().empty()) return;  // closed: nothing may follow a response
  if (const std::shared_ptr<connection_pool> pool = pool_.lock()) pool->put(std::move(c));
}

bool body_reader::fill() {
  std::size_t n;
  try {
    c_->link.set_timeout(timeout_);
    n = c_->receive();
  } catch (const green::tls_eof_error&) {
    if (kind_ == body_kind::until_close)
      throw client_error("http: " + from_ +
                         " closed the connection without TLS close_notify: the body it ended "
                         "may be cut short");
    n = 0;
  } catch (const timeout_error& e) {
    if (e.source() != 0) throw;  // a caller's eventlet::timeout
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g s", timeout_);
    throw timeout_error("http: no byte of the body from " + from_ + " came for " + limit);
  }
  if (n > 0) return true;
  if (kind_ == body_kind::until_close) return false;
  throw client_error("http: " + from_ + " closed the connection " +
                     (kind_ == body_kind::length
                          ? std::to_string(remaining_) + " bytes before the end of the body"
                          : std::string("in the middle of the chunked body")));
}

void body_reader::read(std::string& out, std::size_t max, bool wait) {
  if (done_) return;
  if (failed_ || !c_)
    throw client_error("http: the body from " + from_ + " can no longer be read: " +
                       (failed_ ? "an earlier read failed" : "the response was closed"));
  try {
    while (true) {
      const std::string_view unread = c_->unread();
      if (kind_ == body_kind::length && !unread.empty()) {
        const std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, std::min(max, unread.size())));
        out.append(unread.substr(0, n));
        c_->start += n;
        remaining_ -= n;
        if (remaining_ == 0) finish();
        return;
      }
      if (kind_ == body_kind::until_close && !unread.empty()) {
        const std::size_t n = std::min(max, unread.size());
        out.append(unread.substr(0, n));
        c_->start += n;
        return;
      }
      if (kind_ == body_kind::chunked) {
        if (pending_size_ > 0) {
          const std::size_t n = std::min(max, pending_size_);
          out.append(c_->buffer, pending_at_, n);
          pending_at_ += n;
          pending_size_ -= n;
          return;
        }
        chunked_decoder::step s;
        try {
          s = decoder_.decode(unread);
        } catch (const parse_error& e) {
          throw parse_error(502, e.what());
        }
        c_->start += s.consumed;
        if (!s.data.empty()) {
          pending_at_ = static_cast<std::size_t>(s.data.data() - c_->buffer.data());
          pending_size_ = s.data.size();
          continue;
        }
        if (decoder_.done()) return finish();
        if (s.consumed > 0) continue;
      }
      if (!wait) return;
      if (!fill()) return finish();
    }
  } catch (...) {
    failed_ = true;
    c_.reset();
    throw;
  }
}

void body_reader::release() noexcept {
  // What has arrived, in the buffer or the socket (read without waiting), is skipped; the rest
  // of a longer body is not worth waiting for.
  std::size_t budget = 64 * 1024;
  std::string skipped;
  try {
    while (!done_ && c_) {
      skipped.clear();
      read(skipped, SIZE_MAX, false);
      if (!skipped.empty() || done_) continue;
      c_->link.set_timeout(0);
      const std::size_t n = c_->receive();  // std::system_error(EAGAIN) if nothing is there
      if (n == 0 || n > budget) break;
      budget -= n;
    }
  } catch (...) {  // nothing more there, or broken framing
  }
  c_.reset();
}

}  // namespace eventlet::http::detail
