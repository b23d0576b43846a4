// websocket_frame: RFC 6455's examples byte for byte, every framing rule, the same events
// whatever the cuts in the input, and the encoder and decoder round trip.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/websocket_frame.hpp"
#include "pieces.hpp"

using namespace eventlet::http;
using http_tests::bytes;
using http_tests::cuts;
using decoder = websocket_frame_decoder;

namespace {

constexpr websocket_mask_key rfc_key{0x37, 0xfa, 0x21, 0x3d};

// decode() runs a decoder for `role` over `pieces` and returns what it saw as text: a frame as
// "<opcode>[,more][,masked] <length>:<payload>;" (the payload pieces joined), an error as
// "error <close code>". `output` > 0 decodes into an output buffer of that size, not in place.
std::string decode_pieces(websocket_role role, const std::vector<std::string_view>& pieces,
                          std::size_t output = 0, std::uint64_t max_frame_size = 1 << 20) {
  decoder d(role, max_frame_size);
  std::string seen, payload;
  std::vector<char> out(output);
  try {
    for (auto piece : pieces) {
      std::string buffer(piece);
      std::size_t at = 0;
      while (true) {
        const std::string_view rest = std::string_view(buffer).substr(at);
        auto r = output ? d.next(rest, out) : d.next(std::span<char>(buffer).subspan(at));
        at += r.consumed;
        if (r.what == decoder::event::need_more) break;
        if (r.what == decoder::event::header) {
          const auto& h = d.header();
          seen += std::to_string(static_cast<int>(h.opcode)) + (h.fin ? "" : ",more") +
                  (h.masked ? ",masked" : "") + " " + std::to_string(h.length) + ":";
        } else if (r.what == decoder::event::payload) {
          payload.append(r.payload.data(), r.payload.size());
        } else {
          seen += payload + ";";
          payload.clear();
        }
      }
      CHECK(at == buffer.size());  // need_more comes only once the input is used up
    }
  } catch (const websocket_error& e) {
    seen += "error " + std::to_string(e.close_code());
  }
  return seen;
}

std::string decode(websocket_role role, std::string_view data,
                   std::uint64_t max_frame_size = 1 << 20) {
  return decode_pieces(role, {data}, 0, max_frame_size);
}

// frame() encodes a header and appends the payload, masked if the header says so.
std::string frame(websocket_frame_header h, std::string_view payload) {
  h.length = payload.size();
  std::array<char, websocket_max_header_size> head;
  std::string f(head.data(), websocket_encode_header(h, head));
  const std::size_t at = f.size();
  f += payload;
  if (h.masked) websocket_mask(std::span<char>(f).subspan(at), h.mask_key);
  return f;
}

// error_code() returns the close code of the websocket_error `f` throws, or 0.
template <typename F>
int error_code(F f) {
  try {
    f();
  } catch (const websocket_error& e) {
    return e.close_code();
  }
  return 0;
}

}  // namespace

TEST_CASE("websocket frame: RFC 6455 §5.7's examples, encoded and decoded byte for byte") {
  const auto client = websocket_role::client, server = websocket_role::server;
  const std::string hello_unmasked = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  const std::string hello_masked =
      bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  const std::string fragments =
      bytes({0x01, 0x03, 0x48, 0x65, 0x6c}) + bytes({0x80, 0x02, 0x6c, 0x6f});
  const std::string ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  const std::string pong_masked =
      bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  const std::string b256(256, 'b'), b64k(65536, 'k');
  const std::string binary_256 = bytes({0x82, 0x7e, 0x01, 0x00}) + b256;
  const std::string binary_64k =
      bytes({0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}) + b64k;

  using op = websocket_opcode;
  CHECK(frame({.opcode = op::text}, "Hello") == hello_unmasked);
  CHECK(frame({.opcode = op::text, .masked = true, .mask_key = rfc_key}, "Hello") == hello_masked);
  CHECK(frame({.opcode = op::text, .fin = false}, "Hel") +
            frame({.opcode = op::continuation}, "lo") ==
        fragments);
  CHECK(frame({.opcode = op::ping}, "Hello") == ping);
  CHECK(frame({.opcode = op::pong, .masked = true, .mask_key = rfc_key}, "Hello") == pong_masked);
  CHECK(frame({.opcode = op::binary}, b256) == binary_256);
  CHECK(frame({.opcode = op::binary}, b64k) == binary_64k);

  CHECK(decode(client, hello_unmasked) == "1 5:Hello;");
  CHECK(decode(server, hello_masked) == "1,masked 5:Hello;");
  CHECK(decode(client, fragments) == "1,more 3:Hel;0 2:lo;");
  CHECK(decode(client, ping) == "9 5:Hello;");
  CHECK(decode(server, pong_masked) == "10,masked 5:Hello;");
  CHECK(decode(client, binary_256) == "2 256:" + b256 + ";");
  CHECK(decode(client, binary_64k) == "2 65536:" + b64k + ";");

  decoder d(server);
  std::string buffer = hello_masked;
  auto r = d.next(buffer);
  REQUIRE(r.what == decoder::event::header);
  CHECK(r.consumed == 6);
  CHECK(d.header().mask_key == rfc_key);
  CHECK(d.payload_remaining() == 5);
}

TEST_CASE("websocket frame: the rules of §5.2, each refused with 1002, as soon as it shows") {
  const auto client = websocket_role::client, server = websocket_role::server;
  // Reserved bits, with no extension: after two bytes, before the mask key comes.
  CHECK(decode(server, bytes({0xc1, 0x85})) == "error 1002");
  CHECK(decode(server, bytes({0xa1, 0x85})) == "error 1002");
  CHECK(decode(server, bytes({0x91, 0x85})) == "error 1002");
  // Opcodes 3-7 and B-F.
  for (unsigned op : {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
    CAPTURE(op);
    CHECK(decode(client, bytes({0x80 | op, 0x00})) == "error 1002");
  }
  // Control frames fragmented, or above 125 bytes (also with a 126 or 127 length).
  CHECK(decode(client, bytes({0x09, 0x00})) == "error 1002");
  CHECK(decode(client, bytes({0x08, 0x00})) == "error 1002");
  CHECK(decode(client, bytes({0x89, 0x7e, 0x00, 0x7e})) == "error 1002");
  CHECK(decode(client, bytes({0x88, 0x7e})) == "error 1002");
  CHECK(decode(client, bytes({0x8a, 0x7f})) == "error 1002");
  CHECK(decode(client, bytes({0x89, 0x7d}) + std::string(125, 'p')) ==
        "9 125:" + std::string(125, 'p') + ";");
  // A 64-bit length with its top bit set.
  CHECK(decode(client, bytes({0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0})) == "error 1002");
  // Masking against the role: a server takes only masked frames, a client only unmasked ones.
  CHECK(decode(server, bytes({0x81, 0x00})) == "error 1002");
  CHECK(decode(client, bytes({0x81, 0x80})) == "error 1002");
  CHECK(decode(server, bytes({0x81, 0x80, 1, 2, 3, 4})) == "1,masked 0:;");
  CHECK(decode(client, bytes({0x81, 0x00})) == "1 0:;");
}

TEST_CASE("websocket frame: lengths in more bytes than needed are accepted, as RFC 6455 allows") {
  const auto client = websocket_role::client;
  CHECK(decode(client, bytes({0x82, 0x7e, 0x00, 0x03}) + "abc") == "2 3:abc;");
  CHECK(decode(client, bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x03}) + "abc") == "2 3:abc;");
  CHECK(decode(client, bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0})) == "2 0:;");
}

TEST_CASE(
    "websocket frame: the maximum frame size is checked from the header, before any payload") {
  const auto client = websocket_role::client;
  const std::string at_max = bytes({0x82, 0x7e, 0x01, 0x00}) + std::string(256, 'm');
  CHECK(decode(client, at_max, 256) == "2 256:" + std::string(256, 'm') + ";");
  // One byte more: refused with 1009 from the four header bytes alone.
  CHECK(decode(client, bytes({0x82, 0x7e, 0x01, 0x01}), 256) == "error 1009");
  // A huge length, refused at once.
  CHECK(decode(client, bytes({0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})) ==
        "error 1009");
  // The maximum applies to the payload, not to the header.
  CHECK(decode(client, bytes({0x82, 0x05}) + "12345", 5) == "2 5:12345;");
  CHECK(decode(client, bytes({0x82, 0x06}) + "123456", 5) == "error 1009");
}

TEST_CASE("websocket frame: a failed decoder throws the same error on every call") {
  decoder d(websocket_role::server);
  std::string bad = bytes({0x83, 0x80});
  CHECK(error_code([&] { d.next(bad); }) == 1002);
  std::string good = bytes({0x81, 0x80, 1, 2, 3, 4});
  CHECK(error_code([&] { d.next(good); }) == 1002);
  CHECK(error_code([&] { d.next(std::string_view(good), std::span<char>(bad)); }) == 1002);
}

TEST_CASE("websocket frame: the same events whatever the cuts in the input, in place or not") {
  using op = websocket_opcode;
  const std::string long_payload(300, 'L');
  // What a server reads: masked frames, fragments with a ping between them, lengths in each
  // form, an empty frame.
  const std::string from_client =
      frame({.opcode = op::text, .fin = false, .masked = true, .mask_key = rfc_key}, "Hel") +
      frame({.opcode = op::ping, .masked = true, .mask_key = {1, 2, 3, 4}}, "are you there") +
      frame({.opcode = op::continuation, .masked = true, .mask_key = {9, 8, 7, 6}}, "lo") +
      frame({.opcode = op::binary, .masked = true, .mask_key = {0xff, 0, 0x80, 1}}, long_payload) +
      frame({.opcode = op::binary, .masked = true, .mask_key = rfc_key}, "") +
      frame({.opcode = op::close, .masked = true, .mask_key = rfc_key},
            "\x03\xe8"
            "bye");
  // What a client reads, ending with a broken rule.
  const std::string from_server =
      frame({.opcode = op::text}, "Hello") + frame({.opcode = op::binary}, long_payload) +
      frame({.opcode = op::pong}, "") + bytes({0x81, 0x81, 1, 2, 3, 4, 5});

  const std::string client_view = decode(websocket_role::server, from_client);
  CHECK(client_view ==
        "1,more,masked 3:Hel;9,masked 13:are you there;0,masked 2:lo;2,masked 300:" + long_payload +
            ";2,masked 0:;8,masked 5:\x03\xe8"
            "bye;");
  const std::string server_view = decode(websocket_role::client, from_server);
  CHECK(server_view == "1 5:Hello;2 300:" + long_payload + ";10 0:;error 1002");

  for (std::size_t output : {0, 1, 7, 64}) {
    for (const auto& pieces : cuts(from_client))
      CHECK(decode_pieces(websocket_role::server, pieces, output) == client_view);
    for (const auto& pieces : cuts(from_server))
      CHECK(decode_pieces(websocket_role::client, pieces, output) == server_view);
  }
}

TEST_CASE("websocket frame: encoder and decoder round trip at each length encoding's edges") {
  const std::uint64_t lengths[] = {0, 125, 126, 65535, 65536};
  for (bool masked : {false, true}) {
    for (auto length : lengths) {
      CAPTURE(masked);
      CAPTURE(length);
      std::string payload(length, '\0');
      for (std::size_t i = 0; i < length; ++i) payload[i] = static_cast<char>(i * 7 + i / 251);
      const websocket_frame_header h{
          .opcode = websocket_opcode::binary,
          .masked = masked,
          .mask_key = masked ? websocket_random_mask_key() : websocket_mask_key{},
          .length = length};
      std::array<char, websocket_max_header_size> head;
      const std::size_t size = websocket_encode_header(h, head);
      CHECK(size == (length < 126 ? 2 : length < 65536 ? 4 : 10) + (masked ? 4 : 0));

      const auto role = masked ? websocket_role::server : websocket_role::client;
      CHECK(decode(role, frame(h, payload)) == std::string("2") + (masked ? ",masked " : " ") +
                                                   std::to_string(length) + ":" + payload + ";");
    }
  }
}

TEST_CASE("websocket frame: the encoder refuses what no peer may send") {
  using op = websocket_opcode;
  std::array<char, websocket_max_header_size> head;
  CHECK_THROWS_AS(websocket_encode_header({.opcode = op::ping, .fin = false}, head),
                  std::invalid_argument);
  CHECK_THROWS_AS(websocket_encode_header({.opcode = op::close, .length = 126}, head),
                  std::invalid_argument);
  CHECK_THROWS_AS(websocket_encode_header({.opcode = static_cast<op>(3)}, head),
                  std::invalid_argument);
  CHECK_THROWS_AS(websocket_encode_header({.length = std::uint64_t{1} << 63}, head),
                  std::invalid_argument);
  CHECK(websocket_encode_header({.length = (std::uint64_t{1} << 63) - 1}, head) == 10);
  CHECK(websocket_encode_header({.opcode = op::pong, .length = 125}, head) == 2);
}

TEST_CASE("websocket frame: masking in pieces at any offset equals masking the whole") {
  std::string data(100, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i);
  std::string whole = data;
  websocket_mask(whole, rfc_key);
  for (std::size_t i = 0; i < data.size(); ++i)
    CHECK(static_cast<unsigned char>(whole[i]) == (i ^ rfc_key[i % 4]));
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    std::string pieces = data;
    websocket_mask(std::span<char>(pieces).first(cut), rfc_key);
    websocket_mask(std::span<char>(pieces).subspan(cut), rfc_key, cut);
    CHECK(pieces == whole);
    std::string copied(data.size(), '\0');
    websocket_mask_copy(std::string_view(data).substr(cut), std::span<char>(copied).subspan(cut),
                        rfc_key, cut);
    CHECK(std::string_view(copied).substr(cut) == std::string_view(whole).substr(cut));
  }
  websocket_mask(whole, rfc_key);
  CHECK(whole == data);
  char small[3];
  CHECK_THROWS_AS(websocket_mask_copy("four", small, rfc_key), std::invalid_argument);
}

TEST_CASE("websocket frame: random mask keys differ") {
  const auto a = websocket_random_mask_key(), b = websocket_random_mask_key(),
             c = websocket_random_mask_key();
  CHECK_FALSE((a == b && b == c));
}

TEST_CASE("websocket frame: decoding into a buffer needs room for the payload") {
  decoder d(websocket_role::client);
  const std::string f = bytes({0x82, 0x03}) + "abc";
  auto r = d.next(std::string_view(f), {});
  REQUIRE(r.what == decoder::event::header);
  CHECK_THROWS_AS(d.next(std::string_view(f).substr(r.consumed), {}), std::invalid_argument);
  CHECK(d.next(std::string_view(), {}).what == decoder::event::need_more);
  char out[2];
  r = d.next(std::string_view(f).substr(2), out);
  CHECK(r.what == decoder::event::payload);
  CHECK(std::string_view(r.payload.data(), r.payload.size()) == "ab");
  CHECK(d.payload_remaining() == 1);
}
