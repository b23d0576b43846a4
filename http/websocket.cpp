#include "websocket.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <span>
#include <stdexcept>

#include "../base/errors.hpp"
#include "../base/scope_exit.hpp"
#include "../coros/event.hpp"
#include "../coros/semaphore.hpp"
#include "../coros/timeout.hpp"
#include "../green/tls_context.hpp"
#include "utf8.hpp"

namespace eventlet::http {

namespace {

using event_kind = websocket_message_assembler::event;

// How much one read asks the transport for.
constexpr std::size_t read_size = 16 * 1024;

// The size of a client's buffer for masking, kept between frames: a frame up to this size
// (header included) is sent in one piece, a larger one in pieces of this size.
constexpr std::size_t mask_chunk = 64 * 1024;

// The reason of the Close frame a protocol error is answered with: the error's message, cut to
// what a Close frame holds (our messages are ASCII; another is left out).
std::string error_reason(const websocket_error& e) {
  std::string reason(e.what());
  reason.resize(std::min(reason.size(), websocket_max_control_payload - 2));
  return is_valid_utf8(reason) ? reason : std::string();
}

}  // namespace

struct websocket::impl {
  enum class state : std::uint8_t { open, closing, closed };  // closing: a Close frame was sent
  enum class reader : std::uint8_t { none, receive, close };  // who reads the transport

  impl(transport c, websocket_role r, std::string_view already_read, const websocket_options& o,
       std::string sub)
      : conn(std::move(c)),
        role(r),
        options(o),
        subprotocol(std::move(sub)),
        assembler(r, o.limits),
        input(std::max(already_read.size(), read_size), '\0'),
        input_end(already_read.size()) {
    std::copy(already_read.begin(), already_read.end(), input.begin());
  }

  std::optional<event_kind> read_event();
  void send_frame(websocket_opcode opcode, std::string_view payload);
  void write_frame(websocket_opcode opcode, std::string_view payload);
  void send_close(std::string_view payload);
  void record_close();
  void peer_closed();
  void await_end();
  void fail(const websocket_error& e);
  void shut();

  transport conn;
  websocket_role role;
  websocket_options options;
  std::string subprotocol;
  websocket_message_assembler assembler;
  std::string input;  // bytes read; input[input_begin, input_end) are not yet decoded
  std::size_t input_begin = 0, input_end = 0;
  semaphore send_lock{1};          // held while a frame is written
  std::unique_ptr<char[]> masked;  // a client's frame, header and masked payload
  std::size_t masked_capacity = 0;
  state st = state::open;
  reader reading = reader::none;
  event<> closed;  // sent when st becomes closed
  std::uint16_t close_code = websocket_close::abnormal;
  std::string close_reason;
};

// read_event() returns the next message or control frame, reading as needed; nullopt at the end
// of the connection. Throws websocket_error, and what the transport throws.
std::optional<event_kind> websocket::impl::read_event() {
  while (true) {
    if (input_begin < input_end) {
      const auto r = assembler.next({input.data() + input_begin, input_end - input_begin});
      input_begin += r.consumed;
      if (r.what != event_kind::need_more) return r.what;
    }
    input_begin = input_end = 0;
    try {
      input_end = conn.recv_into(input);
    } catch (const green::tls_eof_error&) {  // no close_notify: the end all the same
      input_end = 0;
    }
    if (input_end == 0) return std::nullopt;
  }
}

// send_frame() writes a frame while the connection is open, after the frames other
// greenthreads are writing. Throws websocket_closed, and as write_frame() does.
void websocket::impl::send_frame(websocket_opcode opcode, std::string_view payload) {
  if (st != state::open) throw websocket_closed(close_code, close_reason);
  std::lock_guard<semaphore> hold(send_lock);
  if (st != state::open) throw websocket_closed(close_code, close_reason);
  write_frame(opcode, payload);
}

// write_frame() writes a whole frame (send_lock held): the header and the payload as they are,
// in one sendall; or, as a client, the header and the payload masked after it in a buffer of
// at most mask_chunk bytes, in one sendall per buffer. A failed send closes the connection,
// since it may have cut the frame short. Throws std::invalid_argument for a control payload
// above 125 bytes; websocket_closed if the connection was closed meanwhile; what the transport
// throws.
void websocket::impl::write_frame(websocket_opcode opcode, std::string_view payload) {
  websocket_frame_header h{.opcode = opcode, .masked = role == websocket_role::client};
  h.length = payload.size();
  if (h.masked) h.mask_key = websocket_random_mask_key();
  std::array<char, websocket_max_header_size> head;
  const std::size_t head_size = websocket_encode_header(h, head);
  if (h.masked) {
    const std::size_t size = std::min(head_size + payload.size(), mask_chunk);
    if (size > masked_capacity) {
      masked.reset(new char[size]);
      masked_capacity = size;
    }
  }
  try {
    if (!h.masked) {
      const std::string_view pieces[] = {{head.data(), head_size}, payload};
      conn.sendall(pieces);
      return;
    }
    std::copy_n(head.data(), head_size, masked.get());
    std::size_t start = head_size, done = 0;
    do {
      const std::size_t n = std::min(payload.size() - done, mask_chunk - start);
      websocket_mask_copy(payload.substr(done, n), {masked.get() + start, n}, h.mask_key, done);
      conn.sendall(std::string_view(masked.get(), start + n));
      done += n;
      start = 0;
    } while (done < payload.size());
  } catch (const std::exception&) {
    const bool closed_meanwhile = st == state::closed;
    shut();
    if (closed_meanwhile) throw websocket_closed(close_code, close_reason);
    throw;
  } catch (...) {  // greenlet_exit: killed while sending
    shut();
    throw;
  }
}

// send_close() sends a Close frame with `payload` if it can: after the frame in progress, if it
// ends within close_timeout. The connection is closing from then on. Errors are dropped (the
// connection is then closed).
void websocket::impl::send_close(std::string_view payload) {
  if (st == state::closed) return;
  st = state::closing;
  if (!send_lock.try_acquire(options.close_timeout)) return;
  std::lock_guard<semaphore> hold(send_lock, std::adopt_lock);
  try {
    write_frame(websocket_opcode::close, payload);
  } catch (const std::exception&) {
  }
}

// record_close() keeps the status of the peer's Close frame.
void websocket::impl::record_close() {
  close_code = assembler.close_code();
  close_reason = assembler.close_reason();
}

// peer_closed() ends the connection after the peer's Close frame: answers it if no Close was
// sent, waits for a server to end the TCP connection (RFC 6455 §7.1.1), and closes.
void websocket::impl::peer_closed() {
  record_close();
  if (st == state::open) {
    const bool no_status = close_code == websocket_close::no_status;
    send_close(no_status ? std::string_view() : assembler.control_payload().substr(0, 2));
  }
  if (role == websocket_role::client) await_end();
  shut();
}

// await_end() reads until the peer ends the connection, dropping what comes, for at most
// close_timeout. Errors end the wait; a timeout other than the connection's and this one's
// passes through.
void websocket::impl::await_end() {
  if (st == state::closed) return;
  timeout limit(options.close_timeout);
  try {
    while (conn.recv_into(input) != 0) {
    }
  } catch (const timeout_error& e) {
    if (e.source() != limit.id() && e.source() != 0) throw;
  } catch (const std::exception&) {
  }
}

// fail() answers a protocol error with a Close frame of its code, and closes.
void websocket::impl::fail(const websocket_error& e) {
  if (st == state::open) send_close(websocket_close_payload(e.close_code(), error_reason(e)));
  shut();
}

// shut() closes the transport (a greenthread waiting on it wakes with EBADF) and tells the
// greenthreads waiting for the end.
void websocket::impl::shut() {
  if (st == state::closed) return;
  st = state::closed;
  conn.close();
  closed.send();
}

websocket::websocket(transport connection, websocket_role role, std::string_view already_read,
                     const websocket_options& options, std::string subprotocol) {
  if (!std::isfinite(options.close_timeout) || options.close_timeout < 0)
    throw std::invalid_argument("websocket: close_timeout must be a finite number >= 0");
  p_ = std::make_unique<impl>(std::move(connection), role, already_read, options,
                              std::move(subprotocol));
}

websocket::websocket(websocket&&) noexcept = default;
websocket& websocket::operator=(websocket&&) noexcept = default;
websocket::~websocket() = default;

std::optional<websocket_message> websocket::receive() {
  impl& s = *p_;
  if (s.st == impl::state::closed) return std::nullopt;
  if (s.reading == impl::reader::close) {  // close() reads until the end
    s.closed.wait();
    return std::nullopt;
  }
  if (s.reading == impl::reader::receive)
    throw std::logic_error("websocket::receive: another greenthread is receiving");
  s.reading = impl::reader::receive;
  const auto done = scope_exit([&] { s.reading = impl::reader::none; });
  while (true) {
    std::optional<event_kind> e;
    try {
      e = s.read_event();
    } catch (const websocket_error& x) {
      s.fail(x);
      throw;
    } catch (const timeout_error&) {
      throw;  // nothing was lost: the connection stays as it was
    } catch (const std::exception&) {
      const bool ours = s.st == impl::state::open;  // else close() or a send ended it
      s.shut();
      if (ours) throw;
      return std::nullopt;
    }
    if (!e) {
      s.shut();
      return std::nullopt;
    }
    switch (*e) {
      case event_kind::text:
        return websocket_message{websocket_opcode::text, std::move(s.assembler.message())};
      case event_kind::binary:
        return websocket_message{websocket_opcode::binary, std::move(s.assembler.message())};
      case event_kind::ping:
        if (s.st == impl::state::open) {
          std::lock_guard<semaphore> hold(s.send_lock);
          if (s.st == impl::state::open)
            s.write_frame(websocket_opcode::pong, s.assembler.control_payload());
        }
        break;
      case event_kind::pong:
        if (s.options.receive_pongs)
          return websocket_message{websocket_opcode::pong,
                                   std::string(s.assembler.control_payload())};
        break;
      case event_kind::close:
        s.peer_closed();
        return std::nullopt;
      case event_kind::need_more:
        break;
    }
  }
}

void websocket::send_text(std::string_view text) {
  if (!is_valid_utf8(text)) throw std::invalid_argument("websocket::send_text: text not UTF-8");
  p_->send_frame(websocket_opcode::text, text);
}

void websocket::send_binary(std::string_view data) {
  p_->send_frame(websocket_opcode::binary, data);
}

void websocket::ping(std::string_view payload) {
  if (payload.size() > websocket_max_control_payload)
    throw std::invalid_argument("websocket::ping: payload above 125 bytes");
  p_->send_frame(websocket_opcode::ping, payload);
}

void websocket::close(std::uint16_t code, std::string_view reason) {
  impl& s = *p_;
  const std::string payload = websocket_close_payload(code, reason);
  if (s.st == impl::state::closed) return;
  if (s.st == impl::state::closing) {  // another greenthread closes it, within its timeout
    s.closed.try_wait(s.options.close_timeout);
    s.shut();
    return;
  }
  const auto end = scope_exit([&] { s.shut(); });
  s.send_close(payload);
  if (s.reading == impl::reader::receive) {  // the greenthread in receive() sees the reply
    s.closed.try_wait(s.options.close_timeout);
    return;
  }
  s.reading = impl::reader::close;
  const auto done = scope_exit([&] { s.reading = impl::reader::none; });
  timeout limit(s.options.close_timeout);
  try {
    while (const std::optional<event_kind> e = s.read_event()) {
      if (*e != event_kind::close) continue;  // messages that came first are dropped
      s.record_close();
      limit.cancel();
      if (s.role == websocket_role::client) s.await_end();
      return;
    }
  } catch (const timeout_error& e) {
    if (e.source() != limit.id() && e.source() != 0) throw;
  } catch (const std::exception&) {
  }
}

bool websocket::is_open() const noexcept { return p_->st == impl::state::open; }

std::uint16_t websocket::close_code() const noexcept { return p_->close_code; }

const std::string& websocket::close_reason() const noexcept { return p_->close_reason; }

const std::string& websocket::subprotocol() const noexcept { return p_->subprotocol; }

websocket_role websocket::role() const noexcept { return p_->role; }

void websocket::set_timeout(std::optional<double> seconds) {
  if (p_->st != impl::state::closed) p_->conn.set_timeout(seconds);
}

}  // namespace eventlet::http
