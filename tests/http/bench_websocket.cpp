// What the WebSocket codec costs: unmasking a large frame (in place, and into a message) and
// validating UTF-8 text (ASCII, and two-byte characters). Prints GB/s; asserts nothing.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "http/utf8.hpp"
#include "http/websocket_message.hpp"

using namespace eventlet::http;

namespace {

constexpr std::size_t size = 64 << 20;

// report() runs `f` over `bytes` bytes `rounds` times and prints the rate.
template <typename F>
void report(const char* what, F f, std::size_t bytes = size, int rounds = 10) {
  f();  // warm up: page faults, the first growth of buffers
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) f();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("%-52s %6.2f GB/s\n", what, double(bytes) * rounds / took.count() / 1e9);
}

// masked_frame() returns a masked binary frame of `size` bytes, as a client sends it.
std::string masked_frame() {
  const websocket_frame_header h{.masked = true, .mask_key = {1, 2, 3, 4}, .length = size};
  std::array<char, websocket_max_header_size> head;
  std::string f(head.data(), websocket_encode_header(h, head));
  f.append(size, 'x');
  return f;
}

}  // namespace

int main() {
  std::string frame = masked_frame();
  std::string copy(frame.size(), '\0');
  report("copy 64 MiB with memcpy (for scale)",
         [&] { std::memcpy(copy.data(), frame.data(), frame.size()); });
  report("decode a 64 MiB masked frame in place", [&] {
    websocket_frame_decoder d(websocket_role::server, size);
    std::span<char> in(frame);
    while (true) {
      auto r = d.next(in);
      in = in.subspan(r.consumed);
      if (r.what == websocket_frame_decoder::event::frame_end) break;
    }
  });
  std::string piece(16 << 10, 'x');
  report(
      "unmask 16 KiB in place, in cache",
      [&] {
        websocket_mask(piece, {1, 2, 3, 4});
      },
      piece.size(), 100000);
  const std::string ascii_piece(16 << 10, 'a');
  report(
      "validate 16 KiB of ASCII as UTF-8, in cache",
      [&] {
        if (!is_valid_utf8(ascii_piece)) std::puts("not UTF-8?");
      },
      ascii_piece.size(), 100000);
  websocket_message_assembler a(websocket_role::server, {size, size});
  report("assemble a 64 MiB masked message", [&] {
    if (a.next(frame).what != websocket_message_assembler::event::binary) std::puts("no message?");
  });
  const std::string ascii(size, 'a');
  report("validate 64 MiB of ASCII as UTF-8", [&] {
    if (!is_valid_utf8(ascii)) std::puts("not UTF-8?");
  });
  std::string greek;
  while (greek.size() < size) greek += "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 ";
  greek.resize(size - size % 12);
  report("validate 64 MiB of Greek (2- and 3-byte) as UTF-8", [&] {
    if (!is_valid_utf8(greek)) std::puts("not UTF-8?");
  });
}
