#include "response.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "detail/connection.hpp"
#include "detail/syntax.hpp"
#include "status.hpp"

namespace eventlet::http {

namespace {

// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" (RFC 9110 §5.6.7), made again once a second on
// each thread.
std::string_view date_field() {
  static constexpr char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t second = -1;
  thread_local char field[64];
  const std::time_t now = std::time(nullptr);
  if (now != second) {
    std::tm t{};
    gmtime_r(&now, &t);
    std::snprintf(field, sizeof field, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                  days[t.tm_wday], t.tm_mday, months[t.tm_mon], t.tm_year + 1900, t.tm_hour,
                  t.tm_min, t.tm_sec);
    second = now;
  }
  return field;
}

// A Content-Length the handler set: plain decimal digits.
std::uint64_t declared_length(std::string_view v) {
  std::uint64_t n = 0;
  const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || error != std::errc() || end != v.data() + v.size())
    throw std::invalid_argument("http::response: Content-Length \"" + std::string(v) +
                                "\" is not a number of bytes");
  return n;
}

void append_number(std::string& out, std::uint64_t n, int base = 10) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n, base).ptr);
}

}  // namespace

void response::start(bool head_only, int minor_version, bool client_keep_alive) noexcept {
  status_ = 200;
  reason_.clear();
  fields_.clear();
  head_sent_ = false;
  framing_ = framing::none;
  head_only_ = head_only;
  minor_version_ = minor_version;
  client_keep_alive_ = client_keep_alive;
  keep_alive_ = true;
  broken_ = false;
  length_ = body_sent_ = 0;
}

void response::set_status(int status, std::string_view reason) {
  if (head_sent_) throw std::logic_error("http::response::set_status: the head was sent");
  if ((status < 200 && status != 101) || status > 999)
    throw std::invalid_argument("http::response::set_status: " + std::to_string(status) +
                                " is not a final status (200..999) nor 101");
  for (const char c : reason)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      throw std::invalid_argument("http::response::set_status: a control byte in the reason");
  status_ = status;
  reason_.assign(reason);
}

void response::build_head(std::int64_t length) {
  // The fields the server looks at, found in one pass.
  std::optional<std::uint64_t> declared;
  bool has_date = false, asked_close = false;
  for (const field f : fields_) {
    if (iequals(f.name, "content-length")) {
      declared = declared_length(f.value);
    } else if (iequals(f.name, "date")) {
      has_date = true;
    } else if (iequals(f.name, "connection")) {
      detail::for_each_element(f.value,
                               [&](std::string_view t) { asked_close |= iequals(t, "close"); });
    } else if (iequals(f.name, "transfer-encoding")) {
      throw std::invalid_argument(
          "http::response: Transfer-Encoding is the server's to set (it sends chunked bodies "
          "when no Content-Length is set)");
    }
  }
  const bool switching = status_ == 101;
  if (switching || status_ == 204 || status_ == 304) {
    framing_ = framing::none;
  } else if (length >= 0 && !(declared && head_only_)) {
    if (declared && *declared != static_cast<std::uint64_t>(length))
      throw std::logic_error("http::response: the body has " + std::to_string(length) +
                             " bytes, and Content-Length says " + std::to_string(*declared));
    framing_ = framing::length;
    length_ = static_cast<std::uint64_t>(length);
  } else if (declared) {  // a HEAD may say the length of the body it does not send
    framing_ = framing::length;
    length_ = *declared;
  } else {
    framing_ = minor_version_ == 1 ? framing::chunked : framing::until_close;
  }
  keep_alive_ = !switching && !asked_close && client_keep_alive_ &&
                (framing_ != framing::until_close || head_only_) && conn_->may_keep_alive();

  head_.assign("HTTP/1.1 ");
  append_number(head_, static_cast<std::uint64_t>(status_));
  head_ += ' ';
  head_ += reason_.empty() ? reason_phrase(status_) : std::string_view(reason_);
  head_ += "\r\n";
  fields_.append_to(head_);
  if (!has_date) head_ += date_field();
  if (framing_ == framing::length && !declared) {
    head_ += "Content-Length: ";
    append_number(head_, length_);
    head_ += "\r\n";
  } else if (framing_ == framing::chunked) {
    head_ += "Transfer-Encoding: chunked\r\n";
  }
  // A 101's Connection field is the handler's ("Upgrade"); the connection is its then.
  if (!switching && !keep_alive_ && !asked_close)
    head_ += "Connection: close\r\n";
  else if (keep_alive_ && minor_version_ == 0)
    head_ += "Connection: keep-alive\r\n";
  head_ += "\r\n";
}

void response::transmit(std::span<const std::string_view> pieces) {
  try {
    conn_->send(pieces);
  } catch (...) {
    broken_ = true;
    throw;
  }
}

void response::send_body(std::string_view data) {
  std::string_view pieces[4];
  std::size_t n = 0;
  if (!head_sent_) {
    pieces[n++] = head_;
    head_sent_ = true;
  }
  char line[24];
  if (!head_only_ && !data.empty()) {
    if (framing_ == framing::chunked) {
      char* end = std::to_chars(line, line + 16, data.size(), 16).ptr;
      *end++ = '\r';
      *end++ = '\n';
      pieces[n++] = std::string_view(line, end - line);
      pieces[n++] = data;
      pieces[n++] = "\r\n";
    } else {
      pieces[n++] = data;
    }
  }
  body_sent_ += data.size();
  if (n > 0) transmit(std::span(pieces, n));
}

void response::write_head() {
  conn_->usable("http::response::write_head");
  if (head_sent_) throw std::logic_error("http::response::write_head: the head was sent");
  build_head(-1);
  send_body({});
}

void response::send(std::string_view body) {
  conn_->usable("http::response::send");
  if (head_sent_)
    throw std::logic_error(
        "http::response::send: the head was sent already (write() adds to "
        "the body)");
  build_head(static_cast<std::int64_t>(body.size()));
  if (framing_ == framing::none && !body.empty())
    throw std::logic_error("http::response::send: a " + std::to_string(status_) +
                           " response has no body");
  send_body(body);
}

void response::write(std::string_view data) {
  conn_->usable("http::response::write");
  if (!head_sent_) build_head(-1);
  if (framing_ == framing::none && !data.empty())
    throw std::logic_error("http::response::write: a " + std::to_string(status_) +
                           " response has no body");
  if (framing_ == framing::length && data.size() > length_ - body_sent_)
    throw std::logic_error("http::response::write: more bytes than the Content-Length, " +
                           std::to_string(length_));
  send_body(data);
}

void response::send_file(int fd, off_t offset, std::size_t count) {
  conn_->usable("http::response::send_file");
  if (!head_sent_)
    build_head(fields_.contains("Content-Length") ? -1 : static_cast<std::int64_t>(count));
  if (framing_ == framing::none && count > 0)
    throw std::logic_error("http::response::send_file: a " + std::to_string(status_) +
                           " response has no body");
  if (framing_ == framing::length && count > length_ - body_sent_)
    throw std::logic_error("http::response::send_file: more bytes than the Content-Length, " +
                           std::to_string(length_));
  if (head_only_ || count == 0) {
    body_sent_ += count;
    if (!head_sent_) send_body({});
    return;
  }
  std::string_view pieces[2];
  std::size_t n = 0;
  if (!head_sent_) {
    pieces[n++] = head_;
    head_sent_ = true;
  }
  char line[24];
  if (framing_ == framing::chunked) {
    char* end = std::to_chars(line, line + 16, count, 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    pieces[n++] = std::string_view(line, end - line);
  }
  if (n > 0) transmit(std::span(pieces, n));
  try {
    conn_->send_file(fd, offset, count);
  } catch (...) {
    broken_ = true;
    throw;
  }
  body_sent_ += count;
  if (framing_ == framing::chunked) {
    const std::string_view end[] = {"\r\n"};
    transmit(end);
  }
}

hijacked response::hijack() {
  hijacked h = conn_->hand_over();
  head_sent_ = true;
  return h;
}

bool response::finish() {
  if (broken_) return false;
  if (!head_sent_) {
    build_head(fields_.contains("content-length") ? -1 : 0);
    send_body({});
  }
  if (framing_ == framing::chunked && !head_only_) {
    const std::string_view last[] = {"0\r\n\r\n"};
    transmit(last);
  }
  if (framing_ == framing::length && !head_only_ && body_sent_ < length_) return false;
  return keep_alive_;
}

void response::send_error(int status) {
  if (head_sent_) return;
  status_ = status;
  reason_.clear();
  fields_.clear();
  fields_.add("Content-Type", "text/plain");
  fields_.add("Connection", "close");
  std::string body(reason_phrase(status));
  body += '\n';
  send(body);
}

}  // namespace eventlet::http
