#include "connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include "../../base/log.hpp"
#include "../../base/scope_exit.hpp"
#include "../../hubs/trampoline.hpp"

namespace eventlet::http::detail {

namespace {

// The read buffer starts small (most heads fit) and grows, when a head, a chunk line or a
// trailer section needs it, up to what the limits allow.
constexpr std::size_t initial_buffer = 4096;

std::size_t largest_buffer(const limits& l) {
  return std::max({l.max_head, l.max_trailers, l.max_chunk_line}) + 4096;
}

}  // namespace

connection::connection(const server_options& o, const bool& stopping)
    : options(o), stopping_(stopping), parser_(o.head_limits), req_(*this), res_(*this) {}

void connection::open(transport t, green::address from) {
  io_ = std::move(t);
  peer = std::move(from);
  if (capacity_ != initial_buffer) {  // new, or grown for a large head: back to the usual size
    buffer_.reset(new char[initial_buffer]);
    capacity_ = initial_buffer;
  }
  begin_ = end_ = 0;
  served_ = 0;
  accepted_ = hubs::hub::clock();
  idle_ = failed_ = handed_over_ = false;
}

void connection::run(const handler& h) {
  // Responses go out whole, in one sendmsg each: Nagle would only delay them. (On a Unix
  // socket there is no such option; that failure is harmless.)
  const int on = 1;
  ::setsockopt(io_.fileno(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  while (next_request() && answer(h)) {
  }
  io_.close();  // a no-op once handed over
}

bool connection::next_request() {
  parser_.reset();
  try {
    if (begin_ == end_) {
      if (stopping_) return false;
      idle_until_ = served_ == 0 ? accepted_ + options.header_timeout
                                 : hubs::hub::clock() + options.idle_timeout;
      idle_ = true;
      const scope_exit busy([this] { idle_ = false; });
      // Between requests a plain connection waits before it reads: after a response the next
      // request has seldom come yet, and recv(2) would only say EAGAIN. (TLS may hold
      // decrypted bytes already: it reads first.)
      if (served_ > 0 && io_.plain())
        hubs::trampoline(io_.fileno(), hubs::io::read, std::nullopt, hubs::closes::notified);
      if (fill(std::nullopt) == 0) return false;
    }
    if (options.access_log) started_ = hubs::hub::clock();
    std::size_t size = parser_.parse(buffered());
    if (size == 0) {  // the rest of the head has until header_timeout after its first byte
      const double deadline =
          (served_ == 0 ? accepted_ : hubs::hub::clock()) + options.header_timeout;
      do {
        if (fill(deadline - hubs::hub::clock()) == 0) return false;
      } while ((size = parser_.parse(buffered())) == 0);
    }
    consume(size);
    return true;
  } catch (const parse_error& e) {
    res_.start(false, 1, false);
    try {
      res_.send_error(e.status());
    } catch (const std::exception&) {
      // The client went away meanwhile.
    }
    return false;
  } catch (const std::exception&) {
    return false;  // EOF in a head, a timeout, a reset, a failed TLS handshake: just close
  }
}

bool connection::answer(const handler& h) {
  request_head& head = parser_.head();
  ++served_;
  req_.start(head);
  res_.start(head.method == "HEAD", head.minor_version, head.keep_alive);
  bool keep = false;
  try {
    h(req_, res_);
    if (handed_over_) return false;
    keep = res_.finish();
  } catch (const greenlet_exit&) {
    throw;
  } catch (...) {
    handler_failed(std::current_exception());
    if (handed_over_) return false;
  }
  if (keep && req_.pending_body()) keep = req_.drain(options.drain_limit);
  if (options.access_log) log_access();
  return keep && !stopping_;
}

void connection::handler_failed(std::exception_ptr error) noexcept {
  int status = 500;
  std::string what = "an exception of unknown type";
  try {
    std::rethrow_exception(error);
  } catch (const parse_error& e) {
    if (req_.failed_) status = e.status();  // the request's body is at fault, not the handler
    what = e.what();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  // Failures of the connection itself (the client went away, or was too slow) end it
  // quietly; the handler's own go to the log, never to the client.
  if (status == 500 && !failed_) {
    const request_head& head = parser_.head();
    log(log_level::error, "http::server: the handler of \"" + head.method + " " + head.target +
                              "\" from " + peer.to_string() + " threw: " + what);
  }
  if (failed_ || handed_over_) return;
  try {
    res_.send_error(status);
  } catch (const std::exception&) {
    // The client went away meanwhile: the connection closes all the same.
  }
}

void connection::log_access() noexcept {
  const request_head& head = parser_.head();
  const access_entry e{peer,
                       head.method,
                       head.target,
                       head.minor_version,
                       res_.status(),
                       res_.body_length(),
                       hubs::hub::clock() - started_,
                       std::time(nullptr)};
  try {
    options.access_log(e);
  } catch (const std::exception& x) {
    log(log_level::warning, std::string("http::server: the access log threw: ") + x.what());
  } catch (...) {
    log(log_level::warning, "http::server: the access log threw");
  }
}

std::size_t connection::fill(std::optional<double> timeout) {
  if (begin_ > 0 && capacity_ - end_ < initial_buffer / 4) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    const std::size_t largest = largest_buffer(options.head_limits);
    if (capacity_ >= largest)
      throw parse_error(431, "the request needs more buffer than its limits allow");
    const std::size_t grown = std::min(capacity_ * 2, largest);
    std::unique_ptr<char[]> bigger(new char[grown]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  const std::size_t n = receive({buffer_.get() + end_, capacity_ - end_}, timeout);
  end_ += n;
  return n;
}

std::size_t connection::receive(std::span<char> out, std::optional<double> timeout) {
  try {
    if (timeout && !(*timeout > 0))
      throw timeout_error("http::server: timed out reading the request");
    io_.set_timeout(timeout);
    return io_.recv_into(out);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void connection::send(std::span<const std::string_view> pieces) {
  try {
    io_.set_timeout(options.send_timeout);
    io_.sendall(pieces);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void connection::send_file(int fd, off_t& offset, std::size_t count) {
  try {
    io_.set_timeout(options.send_timeout);
    io_.sendfile(fd, offset, count);
  } catch (const std::system_error& e) {
    if (e.code().value() != EINVAL) failed_ = true;  // else the file is at fault
    throw;
  } catch (...) {
    failed_ = true;
    throw;
  }
}

bool connection::may_keep_alive() const noexcept {
  if (!options.keep_alive || stopping_ || served_ >= options.max_requests) return false;
  if (!req_.pending_body()) return true;
  // A client that asked for "100 Continue" and did not get it may never send its body; a body
  // longer than the drain limit will not be read.
  if (req_.head_->expect_continue && !req_.continue_sent_) return false;
  return req_.body() != body_kind::length || req_.remaining_ <= options.drain_limit;
}

bool connection::response_begun() const noexcept { return res_.head_sent_; }

hijacked connection::hand_over() {
  usable("http::response::hijack");
  handed_over_ = true;
  hijacked h{std::move(io_), std::string(buffered())};
  begin_ = end_ = 0;
  h.connection.set_timeout(std::nullopt);
  return h;
}

void connection::usable(const char* what) const {
  if (handed_over_) throw std::logic_error(std::string(what) + ": the connection was hijacked");
}

}  // namespace eventlet::http::detail
