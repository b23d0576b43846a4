// green_transport: the bufferevent's callbacks (loop context) record what happened and wake the
// greenthread that waits for it, through a semaphore each for reading and writing.
#include "transport.hpp"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "../base/errors.hpp"
#include "../base/scope_exit.hpp"
#include "../green/stream.hpp"
#include "../green/tls_context.hpp"
#include "detail/tls_error.hpp"

namespace eventlet::embed {

struct green_transport::state {
  bufferevent* bev;
  semaphore readable{0}, writable{0};
  bool reader_waits = false, writer_waits = false;
  bool reading_paused = false;  // EV_READ disabled while the input is at its limit
  bool eof = false, connected = false;
  int error = 0;          // the socket's errno
  std::string tls_error;  // or what OpenSSL said
  std::size_t low = default_low_water, high = default_high_water;

  void wake_reader() {
    if (std::exchange(reader_waits, false)) readable.release();
  }
  void wake_writer() {
    if (std::exchange(writer_waits, false)) writable.release();
  }

  // libevent (2.1) runs the read callback again, on each pass of its loop, as long as the input
  // stays at its high watermark with reading enabled. A reader that lags would then keep the
  // loop from ever blocking, and the libevent hub running the loop (hubs::libevent_backend())
  // from ever leaving it for the greenthread that would drain the input. So reading is
  // disabled at the limit (libevent stopped reading the socket there anyway) until the reader
  // takes some.
  static void on_read(bufferevent* bev, void* arg) {
    auto* s = static_cast<state*>(arg);
    if (at_read_limit(bev)) {
      bufferevent_disable(bev, EV_READ);
      s->reading_paused = true;
    }
    s->wake_reader();
  }
  static void on_write(bufferevent*, void* arg) { static_cast<state*>(arg)->wake_writer(); }
  static void on_event(bufferevent* bev, short what, void* arg) {
    auto* s = static_cast<state*>(arg);
    if (what & BEV_EVENT_CONNECTED) s->connected = true;
    if (what & BEV_EVENT_EOF) s->eof = true;
    if (what & BEV_EVENT_ERROR) {
      s->error = EVUTIL_SOCKET_ERROR();
      s->tls_error = detail::tls_error_of(bev);
      if (!s->error && s->tls_error.empty()) s->error = EIO;
    }
    s->wake_reader();
    s->wake_writer();
  }

  // Throws what ended the connection, if something did; std::logic_error once closed.
  void check(const char* what) const {
    if (!bev) throw std::logic_error(std::string("green_transport::") + what + ": closed");
    if (!tls_error.empty()) throw green::tls_error(std::string(what) + ": " + tls_error);
    if (error) os::throw_error(error, std::string("green_transport::") + what);
  }

  static bool at_read_limit(bufferevent* bev) {
    std::size_t high = 0;
    bufferevent_getwatermark(bev, EV_READ, nullptr, &high);
    return high && evbuffer_get_length(bufferevent_get_input(bev)) >= high;
  }

  // Enables reading again once the input is below its limit.
  void resume_reading() {
    if (!reading_paused || at_read_limit(bev)) return;
    reading_paused = false;
    bufferevent_enable(bev, EV_READ);
  }

  // Lets libevent buffer `n` bytes of input while read_exactly() or readline() needs that many
  // at once, when that is beyond the read limit: returns the limit to restore after, or 0.
  std::size_t raise_read_limit(std::size_t n) {
    std::size_t high = 0;
    bufferevent_getwatermark(bev, EV_READ, nullptr, &high);
    if (!high || n <= high) return 0;
    bufferevent_setwatermark(bev, EV_READ, 0, n);
    return high;
  }
  void restore_read_limit(std::size_t high) {
    if (high && bev) bufferevent_setwatermark(bev, EV_READ, 0, high);
  }

  // Blocks until the bufferevent's callbacks report something.
  void wait_read() {
    resume_reading();
    reader_waits = true;
    readable.acquire();
  }
  void wait_write() {
    writer_waits = true;
    writable.acquire();
  }

  evbuffer* input() const { return bufferevent_get_input(bev); }
  evbuffer* output() const { return bufferevent_get_output(bev); }

  std::string take(std::size_t n) {
    std::string out(std::min(n, evbuffer_get_length(input())), '\0');
    evbuffer_remove(input(), out.data(), out.size());
    resume_reading();
    return out;
  }
};

green_transport::green_transport(bufferevent* bev) {
  if (!bev) throw std::invalid_argument("green_transport: null bufferevent");
  s_ = std::make_unique<state>();
  s_->bev = bev;
  bufferevent_setcb(bev, &state::on_read, &state::on_write, &state::on_event, s_.get());
  bufferevent_setwatermark(bev, EV_READ, 0, default_read_limit);
  bufferevent_setwatermark(bev, EV_WRITE, s_->low, 0);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

green_transport::~green_transport() {
  if (s_ && s_->bev) bufferevent_free(s_->bev);
}

green_transport::green_transport(green_transport&& other) noexcept : s_(std::move(other.s_)) {}

std::string green_transport::read(std::size_t n) {
  while (true) {
    s_->check("read");
    if (n == 0) return {};
    if (evbuffer_get_length(s_->input())) return s_->take(n);
    if (s_->eof) return {};
    s_->wait_read();
  }
}

std::string green_transport::read_exactly(std::size_t n) {
  s_->check("read_exactly");
  const std::size_t limit = s_->raise_read_limit(n);
  const scope_exit restore([this, limit] { s_->restore_read_limit(limit); });
  while (true) {
    s_->check("read_exactly");
    if (evbuffer_get_length(s_->input()) >= n || s_->eof) return s_->take(n);
    s_->wait_read();
  }
}

std::string green_transport::readline(std::size_t max_length) {
  s_->check("readline");
  const std::size_t limit = s_->raise_read_limit(max_length);
  const scope_exit restore([this, limit] { s_->restore_read_limit(limit); });
  while (true) {
    s_->check("readline");
    const evbuffer_ptr nl = evbuffer_search(s_->input(), "\n", 1, nullptr);
    if (nl.pos >= 0 && static_cast<std::size_t>(nl.pos) < max_length) return s_->take(nl.pos + 1);
    if (evbuffer_get_length(s_->input()) >= max_length)
      throw green::line_too_long("green_transport::readline: no newline within " +
                                 std::to_string(max_length) + " bytes");
    if (s_->eof) return s_->take(max_length);
    s_->wait_read();
  }
}

void green_transport::write(std::string_view data) {
  s_->check("write");
  if (bufferevent_write(s_->bev, data.data(), data.size()) != 0)
    os::throw_error(ENOMEM, "green_transport::write");
  while (evbuffer_get_length(s_->output()) > s_->high) {
    s_->wait_write();
    s_->check("write");
  }
}

void green_transport::set_write_watermarks(std::size_t low, std::size_t high) {
  if (low > high) throw std::invalid_argument("green_transport: low watermark above the high one");
  s_->low = low;
  s_->high = high;
  if (s_->bev) bufferevent_setwatermark(s_->bev, EV_WRITE, low, 0);
}

void green_transport::flush() {
  s_->check("flush");
  bufferevent_setwatermark(s_->bev, EV_WRITE, 0, 0);  // on_write once all is sent
  const scope_exit restore([this] {
    if (s_->bev) bufferevent_setwatermark(s_->bev, EV_WRITE, s_->low, 0);
  });
  while (evbuffer_get_length(s_->output())) {
    s_->wait_write();
    s_->check("flush");
  }
}

void green_transport::close() {
  if (!s_ || !s_->bev) return;
  try {
    flush();
  } catch (const std::exception&) {  // the connection is gone either way
  }
  bufferevent_free(std::exchange(s_->bev, nullptr));
  s_->wake_reader();
}

green::address green_transport::peer_address() const {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (!s_->bev || getpeername(bufferevent_getfd(s_->bev), reinterpret_cast<sockaddr*>(&ss), &len))
    os::throw_error(s_->bev ? errno : EBADF, "green_transport::peer_address");
  return green::address(reinterpret_cast<sockaddr*>(&ss), len);
}

green::address green_transport::local_address() const {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (!s_->bev || getsockname(bufferevent_getfd(s_->bev), reinterpret_cast<sockaddr*>(&ss), &len))
    os::throw_error(s_->bev ? errno : EBADF, "green_transport::local_address");
  return green::address(reinterpret_cast<sockaddr*>(&ss), len);
}

bufferevent* green_transport::bev() const noexcept { return s_ ? s_->bev : nullptr; }

void green_transport::connect(const green::address& to, const char* what) {
  if (bufferevent_socket_connect(s_->bev, to.data(), to.size()) != 0) {
    const int error = EVUTIL_SOCKET_ERROR();
    os::throw_error(error ? error : ECONNREFUSED, std::string(what) + " " + to.to_string());
  }
  while (!s_->connected) {
    s_->check(what);
    if (s_->eof) os::throw_error(ECONNRESET, std::string(what) + " " + to.to_string());
    s_->wait_write();
  }
}

}  // namespace eventlet::embed
