// websocket_message: fragments joined, control frames between them, the continuation rules,
// the message size bound, UTF-8 of text refused early, Close payloads read and written.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/websocket_message.hpp"
#include "pieces.hpp"

using namespace eventlet::http;
using http_tests::bytes;
using http_tests::cuts;
using assembler = websocket_message_assembler;
using op = websocket_opcode;

namespace {

// frame() returns a frame as a client sends it (masked) or, with `masked` false, as a server
// sends it.
std::string frame(op opcode, std::string_view payload, bool fin = true, bool masked = true) {
  const websocket_frame_header h{.opcode = opcode,
                                 .fin = fin,
                                 .masked = masked,
                                 .mask_key = {0x12, 0x34, 0x56, 0x78},
                                 .length = payload.size()};
  std::array<char, websocket_max_header_size> head;
  std::string f(head.data(), websocket_encode_header(h, head));
  const std::size_t at = f.size();
  f += payload;
  if (masked) websocket_mask(std::span<char>(f).subspan(at), h.mask_key);
  return f;
}

// assemble() runs an assembler for a server over `pieces` and returns what it saw as text:
// "text:<message>;", "binary:...;", "ping:<payload>;", "pong:...;", "close <code>:<reason>;",
// an error as "error <close code>".
std::string assemble(const std::vector<std::string_view>& pieces, websocket_limits limits = {}) {
  assembler a(websocket_role::server, limits);
  std::string seen;
  try {
    for (auto piece : pieces) {
      while (true) {
        const auto r = a.next(piece);
        piece.remove_prefix(r.consumed);
        switch (r.what) {
          case assembler::event::need_more:
            break;
          case assembler::event::text:
            seen += "text:" + a.message() + ";";
            continue;
          case assembler::event::binary:
            seen += "binary:" + a.message() + ";";
            continue;
          case assembler::event::ping:
            seen += "ping:" + std::string(a.control_payload()) + ";";
            continue;
          case assembler::event::pong:
            seen += "pong:" + std::string(a.control_payload()) + ";";
            continue;
          case assembler::event::close:
            seen += "close " + std::to_string(a.close_code()) + ":" +
                    std::string(a.close_reason()) + ";";
            continue;
        }
        CHECK(piece.empty());  // need_more comes only once the input is used up
        break;
      }
    }
  } catch (const websocket_error& e) {
    seen += "error " + std::to_string(e.close_code());
  }
  return seen;
}

std::string assemble(std::string_view data, websocket_limits limits = {}) {
  return assemble(std::vector<std::string_view>{data}, limits);
}

}  // namespace

TEST_CASE("websocket message: whole messages and fragments joined, control frames between") {
  CHECK(assemble(frame(op::text, "Hello")) == "text:Hello;");
  CHECK(assemble(frame(op::binary, bytes({0, 0xff, 0x80}))) ==
        "binary:" + bytes({0, 0xff, 0x80}) + ";");
  CHECK(assemble(frame(op::text, "")) == "text:;");
  CHECK(assemble(frame(op::text, "Hel", false) + frame(op::continuation, "lo")) == "text:Hello;");
  CHECK(assemble(frame(op::binary, "a", false) + frame(op::continuation, "", false) +
                 frame(op::continuation, "b")) == "binary:ab;");
  CHECK(assemble(frame(op::text, "Hel", false) + frame(op::ping, "p") + frame(op::pong, "") +
                 frame(op::continuation, "lo") + frame(op::close, "")) ==
        "ping:p;pong:;text:Hello;close 1005:;");
}

TEST_CASE("websocket message: continuation frames follow the rules of §5.4") {
  // A continuation with no message to continue.
  CHECK(assemble(frame(op::continuation, "x")) == "error 1002");
  CHECK(assemble(frame(op::text, "a") + frame(op::continuation, "x")) == "text:a;error 1002");
  // A new message before the last one ended.
  CHECK(assemble(frame(op::text, "a", false) + frame(op::text, "b")) == "error 1002");
  CHECK(assemble(frame(op::text, "a", false) + frame(op::binary, "b")) == "error 1002");
  // The frame rules come through: unmasked from a client.
  CHECK(assemble(frame(op::text, "a", true, false)) == "error 1002");
}

TEST_CASE("websocket message: the maximum message size, checked from each frame's header") {
  const websocket_limits limits{.max_frame_size = 10, .max_message_size = 12};
  CHECK(assemble(frame(op::binary, "0123456789"), limits) == "binary:0123456789;");
  CHECK(assemble(frame(op::binary, "0123456789A"), limits) == "error 1009");  // the frame bound
  CHECK(assemble(frame(op::binary, "012345", false) + frame(op::continuation, "6789AB"), limits) ==
        "binary:0123456789AB;");
  // The third fragment would go over: refused from its header alone, its payload never sent.
  const std::string first =
      frame(op::binary, "012345", false) + frame(op::continuation, "6789", false);
  CHECK(assemble(first + frame(op::continuation, "ABC").substr(0, 6), limits) == "error 1009");
  // Control frames do not count.
  CHECK(assemble(frame(op::text, "0123456789", false) + frame(op::ping, "0123456789") +
                     frame(op::continuation, "AB"),
                 limits) == "ping:0123456789;text:0123456789AB;");
}

TEST_CASE("websocket message: text must be UTF-8, refused at the first bad byte") {
  const std::string euro = bytes({0xe2, 0x82, 0xac});
  // A character cut between fragments is fine.
  CHECK(assemble(frame(op::text, "1 " + euro.substr(0, 1), false) +
                 frame(op::continuation, euro.substr(1, 1), false) +
                 frame(op::continuation, euro.substr(2))) == "text:1 " + euro + ";");
  // A bad first fragment is refused before the message is whole.
  CHECK(assemble(frame(op::text, "ok" + bytes({0xed, 0xa0, 0x80}), false)) == "error 1007");
  // A text that ends inside a character.
  CHECK(assemble(frame(op::text, euro.substr(0, 2))) == "error 1007");
  CHECK(assemble(frame(op::text, euro.substr(0, 2), false) + frame(op::continuation, "")) ==
        "error 1007");
  // Binary messages are not text.
  CHECK(assemble(frame(op::binary, bytes({0xff}))) == "binary:" + bytes({0xff}) + ";");
}

TEST_CASE("websocket message: Close payloads: code, reason, and what may not appear") {
  const auto close = [](std::uint16_t code, std::string_view reason) {
    return frame(op::close,
                 bytes({unsigned{code} >> 8, unsigned{code} & 0xff}) + std::string(reason));
  };
  CHECK(assemble(close(1000, "bye")) == "close 1000:bye;");
  CHECK(assemble(close(4999, "")) == "close 4999:;");
  CHECK(assemble(frame(op::close, "x")) == "error 1002");
  CHECK(assemble(close(1000, bytes({0xc0, 0x80}))) == "error 1007");
  for (unsigned code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                        3000, 3999, 4000, 4999}) {
    CAPTURE(code);
    CHECK(assemble(close(code, "")) == "close " + std::to_string(code) + ":;");
  }
  for (unsigned code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    CAPTURE(code);
    CHECK(assemble(close(code, "")) == "error 1002");
  }
  // Nothing may follow a Close frame.
  CHECK(assemble(close(1000, "") + frame(op::text, "late")) == "close 1000:;error 1002");
}

TEST_CASE("websocket message: Close payloads written, and read back") {
  const std::string p = websocket_close_payload(1001, "going");
  CHECK(p == bytes({0x03, 0xe9}) + "going");
  const auto status = websocket_parse_close(p);
  CHECK(status.code == 1001);
  CHECK(status.reason == "going");
  CHECK(websocket_parse_close("").code == websocket_close::no_status);
  CHECK(websocket_close_payload(3000, std::string(123, 'r')).size() == 125);
  CHECK_THROWS_AS(websocket_close_payload(3000, std::string(124, 'r')), std::invalid_argument);
  CHECK_THROWS_AS(websocket_close_payload(1005), std::invalid_argument);
  CHECK_THROWS_AS(websocket_close_payload(1000, bytes({0xff})), std::invalid_argument);
}

TEST_CASE("websocket message: the same messages whatever the cuts in the input") {
  const std::string euro = bytes({0xe2, 0x82, 0xac});
  const std::string big(200, 'B');
  const std::string input = frame(op::text, "price: " + euro.substr(0, 2), false) +
                            frame(op::ping, "?") + frame(op::continuation, euro.substr(2)) +
                            frame(op::binary, big) + frame(op::pong, "!") +
                            frame(op::close, bytes({0x03, 0xe8}) + "done");
  const std::string expected =
      "ping:?;text:price: " + euro + ";binary:" + big + ";pong:!;close 1000:done;";
  CHECK(assemble(input) == expected);
  const std::string bad = frame(op::text, "Hel", false) + frame(op::ping, "") +
                          frame(op::continuation, "l" + bytes({0xf4, 0x90}) + "o");
  CHECK(assemble(bad) == "ping:;error 1007");
  for (const auto& pieces : cuts(input)) CHECK(assemble(pieces) == expected);
  for (const auto& pieces : cuts(bad)) CHECK(assemble(pieces) == "ping:;error 1007");
}

TEST_CASE(
    "websocket message: a client takes a server's unmasked frames; a message may be moved out") {
  assembler a(websocket_role::client);
  const std::string input =
      frame(op::text, "one", true, false) + frame(op::text, "two", true, false);
  std::string_view in = input;
  auto r = a.next(in);
  REQUIRE(r.what == assembler::event::text);
  const std::string first = std::move(a.message());
  in.remove_prefix(r.consumed);
  r = a.next(in);
  REQUIRE(r.what == assembler::event::text);
  CHECK(first == "one");
  CHECK(a.message() == "two");
  CHECK(r.consumed == in.size());
  CHECK(a.next("").what == assembler::event::need_more);
}

TEST_CASE("websocket message: a failed assembler throws the same error on every call") {
  assembler a(websocket_role::server);
  const std::string bad = frame(op::continuation, "x");
  CHECK_THROWS_AS(a.next(bad), websocket_error);
  try {
    a.next(frame(op::text, "fine"));
    FAIL("no error");
  } catch (const websocket_error& e) {
    CHECK(e.close_code() == 1002);
  }
}
