// websocket: a WebSocket connection (RFC 6455) over a transport, like eventlet.websocket's
// WebSocket: blocking calls that suspend only the calling greenthread. accept_websocket()
// (websocket_accept.hpp) makes the server's end, connect_websocket() (websocket_connect.hpp)
// the client's.
//
//   while (std::optional<http::websocket_message> m = ws.receive()) {
//     if (m->opcode == http::websocket_opcode::text) ws.send_text(m->data);
//   }
//   // the peer closed: ws.close_code() says how (1006 if it just went away)
//
// receive() answers pings with pongs and a Close frame with a Close frame by itself, and
// returns nullopt once the connection is closed, for good. A peer that breaks the protocol gets
// a Close frame with the code of the rule (1002 framing, 1007 text not UTF-8, 1009 too big)
// before the connection closes, and receive() throws the websocket_error.
//
// Greenthreads: the websocket belongs to the thread that made it. One greenthread at a time
// may be in receive(); any number may send at once, each frame whole (they take turns, first
// come first served, through a lock that receive() also takes for its pongs and Close); close()
// may come from any greenthread, also while another is in receive(), which then returns
// nullopt.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "transport.hpp"
#include "websocket_error.hpp"
#include "websocket_frame.hpp"
#include "websocket_message.hpp"

namespace eventlet::http {

// What a websocket is made with besides its transport.
struct websocket_options {
  websocket_limits limits;     // the largest frame and message the peer may send
  double close_timeout = 10;   // seconds close() waits for the peer's Close, and a client for
                               // the server to end the TCP connection after the handshake
  bool receive_pongs = false;  // receive() returns pongs as messages too (else drops them)
};

// A message receive() returns.
struct websocket_message {
  websocket_opcode opcode = websocket_opcode::text;  // text, binary, or pong (receive_pongs)
  std::string data;                                  // UTF-8 for text
};

class EVENTLET_API websocket {
 public:
  // websocket() speaks WebSocket as `role` over `connection`, whose opening handshake is
  // done; `already_read` holds the bytes received after the handshake (the start of the first
  // frames), and `subprotocol` the subprotocol the handshake chose ("" for none). Throws
  // std::invalid_argument for a close_timeout that is negative or NaN.
  websocket(transport connection, websocket_role role, std::string_view already_read = {},
            const websocket_options& options = {}, std::string subprotocol = {});
  // A moved-from websocket may only be destroyed or assigned to.
  websocket(websocket&&) noexcept;
  websocket& operator=(websocket&&) noexcept;
  // ~websocket() closes the transport at once, without a close handshake (close() makes one).
  ~websocket();

  // receive() waits for the next message and returns it, answering pings (with a pong of the
  // same payload) meanwhile. Once the peer's Close frame has come it answers it (its code
  // echoed) unless close() sent one first, closes the connection (a client first waits up to
  // close_timeout for the server to end it) and returns nullopt, as it does when the
  // connection ends without a Close frame (close_code() 1006) or is closed by close() or by a
  // failed send; then and ever after. Throws websocket_error when the peer breaks the protocol
  // (after sending the Close frame with its code and closing); timeout_error when the
  // transport's timeout passes (the connection stays usable); std::system_error,
  // green::tls_error (the connection is closed); std::logic_error if another greenthread is in
  // receive(); and what a pong's send throws.
  std::optional<websocket_message> receive();

  // send_text() sends `text` as one text frame (masked with a new key as a client). Throws
  // std::invalid_argument if it is not UTF-8; websocket_closed once close() was called or the
  // connection is closed; std::system_error, timeout_error, green::tls_error, after which the
  // connection is closed (a frame may be cut short).
  void send_text(std::string_view text);

  // send_binary() sends `data` as one binary frame. Throws as send_text() does, but for UTF-8.
  void send_binary(std::string_view data);

  // ping() sends a ping with `payload`; the peer answers with a pong (receive_pongs shows it).
  // Throws std::invalid_argument for a payload above 125 bytes; as send_text() does.
  void ping(std::string_view payload = {});

  // close() starts the close handshake: it sends a Close frame with `code` and `reason`, waits
  // up to close_timeout for the peer's (through the greenthread in receive() if there is one;
  // else it reads, dropping the messages that come first), and closes the connection. Returns
  // at once if the connection is already closed; waits for the close in progress if another
  // greenthread called it. I/O errors only end the wait. Throws std::invalid_argument for a
  // code that may not be sent (is_valid_websocket_close_code()) or a reason above 123 bytes or
  // not UTF-8.
  void close(std::uint16_t code = websocket_close::normal, std::string_view reason = {});

  // is_open() tells whether messages may still be sent: no Close frame sent or received, and
  // the connection not closed. Throws nothing.
  bool is_open() const noexcept;

  // close_code() is the code of the peer's Close frame (1005: it had none), or 1006 while none
  // has come. close_reason() is its reason. Throw nothing.
  std::uint16_t close_code() const noexcept;
  const std::string& close_reason() const noexcept;

  // subprotocol() is the subprotocol the opening handshake chose, or "". Throws nothing.
  const std::string& subprotocol() const noexcept;

  // role() is this end's role. Throws nothing.
  websocket_role role() const noexcept;

  // set_timeout() bounds each wait of receive() and of a send by `seconds` (nullopt: no
  // limit), as the transport's set_timeout() does; it does nothing once the connection is
  // closed. Throws std::invalid_argument if negative or NaN.
  void set_timeout(std::optional<double> seconds);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace eventlet::http
