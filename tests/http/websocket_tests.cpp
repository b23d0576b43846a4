#include "websocket_tests.hpp"

#include <array>
#include <stdexcept>

#include "green/net.hpp"
#include "http/parser.hpp"
#include "http/websocket_handshake.hpp"
#include "http/websocket_message.hpp"

namespace websocket_tests {

using eventlet::green::address;

namespace {

// read_head() reads from `t` until `parse` finds a whole head; returns the bytes after it.
template <typename Parse>
std::string read_head(http::transport& t, Parse parse) {
  std::string received;
  std::array<char, 4096> chunk;
  std::size_t size = 0;
  while ((size = parse(received)) == 0) {
    const std::size_t n = t.recv_into(chunk);
    if (n == 0) throw std::runtime_error("the connection ended before a whole head");
    received.append(chunk.data(), n);
  }
  return received.substr(size);
}

}  // namespace

request read_request(http::transport& t) {
  http::request_parser p;
  std::string rest = read_head(t, [&](std::string_view b) { return p.parse(b); });
  return {p.head(), std::move(rest)};
}

response read_response(http::transport& t) {
  http::response_parser p;
  std::string rest = read_head(t, [&](std::string_view b) { return p.parse(b); });
  return {p.head(), std::move(rest)};
}

std::string server::url(std::string_view path) const {
  return "ws://127.0.0.1:" + std::to_string(listener.where.port()) + std::string(path);
}

std::pair<http::transport, request> server::accept_raw() {
  http::transport t(listener.socket.accept().first);
  request r = read_request(t);
  return {std::move(t), std::move(r)};
}

http::websocket server::accept(const http::websocket_accept_options& options) {
  auto [t, r] = accept_raw();
  return http::accept_websocket(r.head, std::move(t), r.rest, options);
}

int echo(http::websocket& ws) {
  int n = 0;
  while (const std::optional<http::websocket_message> m = ws.receive()) {
    if (m->opcode == http::websocket_opcode::text)
      ws.send_text(m->data);
    else if (m->opcode == http::websocket_opcode::binary)
      ws.send_binary(m->data);
    ++n;
  }
  return n;
}

eventlet::greenthread<std::uint16_t> spawn_echo(server& s, http::websocket_accept_options options) {
  return eventlet::spawn([&s, options] {
    http::websocket ws = s.accept(options);
    echo(ws);
    return ws.close_code();
  });
}

raw_peer::raw_peer(http::transport t, http::websocket_role role, std::string pending)
    : t_(std::move(t)),
      role_(role),
      pending_(std::move(pending)),
      decoder_(role, std::uint64_t(1) << 40) {}

raw_peer raw_peer::client(const address& where) {
  http::transport t(eventlet::green::connect(where));
  const std::string key = http::websocket_random_client_key();
  t.sendall(
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: " +
      key + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
  response r = read_response(t);
  if (r.head.status != 101 ||
      r.head.fields.get("Sec-WebSocket-Accept") != http::websocket_accept_key(key))
    throw std::runtime_error("raw_peer::client: the handshake failed");
  return raw_peer(std::move(t), http::websocket_role::client, std::move(r.rest));
}

void raw_peer::send_frame(http::websocket_opcode opcode, std::string_view payload, bool fin,
                          std::optional<bool> masked) {
  http::websocket_frame_header h{.opcode = opcode, .fin = fin};
  h.masked = masked.value_or(role_ == http::websocket_role::client);
  h.mask_key = {0x12, 0x34, 0x56, 0x78};
  h.length = payload.size();
  std::array<char, http::websocket_max_header_size> head;
  std::string bytes(head.data(), http::websocket_encode_header(h, head));
  const std::size_t start = bytes.size();
  bytes += payload;
  if (h.masked) http::websocket_mask({bytes.data() + start, payload.size()}, h.mask_key);
  t_.sendall(bytes);
}

std::optional<frame> raw_peer::read_frame() {
  using event = http::websocket_frame_decoder::event;
  std::optional<frame> f;
  std::array<char, 16384> chunk;
  while (true) {
    while (true) {
      const auto r = decoder_.next(std::span<char>(pending_));
      std::string payload(r.payload.data(), r.payload.size());
      pending_.erase(0, r.consumed);
      if (r.what == event::need_more)
        break;
      else if (r.what == event::header)
        f = frame{decoder_.header().opcode, decoder_.header().fin, {}};
      else if (r.what == event::payload)
        f->payload += payload;
      else if (r.what == event::frame_end)
        return f;
    }
    const std::size_t n = t_.recv_into(chunk);
    if (n == 0) return std::nullopt;
    pending_.assign(chunk.data(), n);
  }
}

std::uint16_t raw_peer::read_close() {
  while (const std::optional<frame> f = read_frame())
    if (f->opcode == http::websocket_opcode::close)
      return http::websocket_parse_close(f->payload).code;
  return 0;
}

}  // namespace websocket_tests
