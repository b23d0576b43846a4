// green::stream: lines, delimiters, bounds, exact reads, buffered and partial writes, and
// nothing lost on errors.
#include <string>
#include <vector>

#include "green/fd.hpp"
#include "green/stream.hpp"
#include "helpers.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(
    hub_test, "stream: readline returns lines with their newline, the rest at EOF, then empty") {
  auto [a, b] = green::socketpair();
  a.sendall("first\nsecond\nno newline");
  a.shutdown(SHUT_WR);
  green::stream s(b);
  CHECK(s.readline() == "first\n");
  CHECK(s.readline() == "second\n");
  CHECK(s.readline() == "no newline");
  CHECK(s.readline() == "");
}

TEST_CASE_FIXTURE(hub_test, "stream: readline waits for lines that arrive in pieces") {
  auto [a, b] = green::socketpair();
  auto writer = spawn([&a = a] {
    for (const char* piece : {"he", "llo", "\nwor", "ld\n"}) {
      eventlet::sleep(0.002);
      a.sendall(piece);
    }
  });
  green::stream s(b);
  CHECK(s.readline() == "hello\n");
  CHECK(s.readline() == "world\n");
  writer.wait();
}

TEST_CASE_FIXTURE(
    hub_test,
    "stream: a line longer than max_length is line_too_long, and its bytes stay buffered") {
  auto [a, b] = green::socketpair();
  a.sendall("0123456789\nshort\n");
  green::stream s(b);
  try {
    s.readline(10);
    FAIL("no line_too_long");
  } catch (const green::line_too_long& e) {
    CHECK(std::string(e.what()) ==
          "readline: no '\\n' within max_length 10 bytes (the bytes stay buffered)");
  }
  CHECK(s.readline(11) == "0123456789\n");  // exactly max_length, newline counted
  CHECK(s.readline(6) == "short\n");
}

TEST_CASE_FIXTURE(hub_test, "stream: read_until a multi-byte delimiter split across reads") {
  auto [a, b] = green::socketpair();
  auto writer = spawn([&a = a] {
    for (const char* piece : {"GET / HTTP/1.0\r", "\nHost: x\r\n\r", "\nbody"}) {
      eventlet::sleep(0.002);
      a.sendall(piece);
    }
    a.shutdown(SHUT_WR);
  });
  green::stream s(b);
  CHECK(s.read_until("\r\n\r\n") == "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
  CHECK(s.read_until("\r\n\r\n") == "body");
  writer.wait();
  CHECK_THROWS_WITH_AS(s.read_until("", 10), "read_until: the delimiter is empty",
                       std::invalid_argument);
  CHECK_THROWS_AS(s.readline(0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test,
                  "stream: read_until names the call and the delimiter when over max_length") {
  auto [a, b] = green::socketpair();
  a.sendall("abcdefgh");
  green::stream s(b);
  CHECK_THROWS_WITH_AS(
      s.read_until("\r\n", 4),
      "read_until: no '\\r\\n' within max_length 4 bytes (the bytes stay buffered)",
      green::line_too_long);
  CHECK(s.buffered() >= 4);
  CHECK(s.read(8) == "abcdefgh");
}

TEST_CASE_FIXTURE(hub_test,
                  "stream: read returns what is there; read_exactly waits for all, or EOF") {
  auto [a, b] = green::socketpair();
  green::stream s(b);
  a.sendall("abc");
  CHECK(s.read(2) == "ab");
  CHECK(s.read(100) == "c");
  auto writer = spawn([&a = a] {
    for (int i = 0; i < 5; ++i) {
      eventlet::sleep(0.001);
      a.sendall("12");
    }
    a.shutdown(SHUT_WR);
  });
  CHECK(s.read_exactly(7) == "1212121");
  CHECK(s.read_exactly(7) == "212");  // EOF came first
  CHECK(s.read(1) == "");
  writer.wait();
}

TEST_CASE_FIXTURE(hub_test, "stream: write buffers until flush") {
  auto [a, b] = green::socketpair();
  b.set_timeout(0);
  green::stream s(a);
  s.write("buffered");
  CHECK_THROWS_AS(b.recv(100), std::system_error);  // nothing sent yet
  s.flush();
  CHECK(b.recv(100) == "buffered");
}

TEST_CASE_FIXTURE(hub_test,
                  "stream: partial writes through a tiny socket buffer lose and repeat nothing") {
  auto [a, b] = green::socketpair();
  a.set_send_buffer(4096);
  b.set_receive_buffer(4096);
  constexpr int lines = 20000;
  auto writer = spawn([&a = a] {
    green::stream out(a, 1000);
    for (int i = 0; i < lines; ++i) out.write("line " + std::to_string(i) + "\n");
    out.flush();
    a.shutdown(SHUT_WR);
  });
  green::stream in(b);
  int i = 0;
  for (std::string line; !(line = in.readline()).empty(); ++i) {
    if (line != "line " + std::to_string(i) + "\n") {
      FAIL("line ", i, " is ", line);
      break;
    }
    if (i % 1000 == 0) eventlet::sleep(0.001);  // a slow reader
  }
  CHECK(i == lines);
  writer.wait();
}

TEST_CASE_FIXTURE(hub_test,
                  "stream: a write that times out keeps what was not sent for the next flush") {
  auto [a, b] = green::socketpair();
  a.set_timeout(0.02);
  green::stream out(a);
  std::string data;
  for (int i = 0; data.size() < (4 << 20); ++i) data += std::to_string(i) + ",";
  // Larger than the buffer, it goes straight through, and is too much for the socket.
  CHECK_THROWS_AS(out.write(data), timeout_error);
  CHECK_THROWS_AS(out.flush(), timeout_error);  // still nobody reads
  auto reader = spawn([&b = b] {
    std::string all;
    for (std::string part; !(part = b.recv(1 << 16)).empty();) all += part;
    return all;
  });
  a.set_timeout(std::nullopt);
  out.flush();
  a.shutdown(SHUT_WR);
  CHECK(reader.wait() == data);
}

TEST_CASE_FIXTURE(hub_test, "stream: over a green fd (a pipe)") {
  auto [in, out] = green::pipe();
  green::stream writer(out), reader(in);
  writer.write("through\na pipe\n");
  writer.flush();
  out.close();
  CHECK(reader.readline() == "through\n");
  CHECK(reader.readline() == "a pipe\n");
  CHECK(reader.readline() == "");
}

TEST_CASE_FIXTURE(hub_test,
                  "stream: with a tiny buffer, long lines and mixed reads come out whole") {
  auto [a, b] = green::socketpair();
  std::string sent;
  for (int i = 0; i < 50; ++i) sent += std::string(i * 7 + 1, char('a' + i % 26)) + "\n";
  auto writer = spawn([&a = a, &sent] {
    for (std::size_t at = 0; at < sent.size(); at += 5) {
      a.sendall(std::string_view(sent).substr(at, 5));
      eventlet::sleep(0);
    }
    a.shutdown(SHUT_WR);
  });
  green::stream s(b, 3);  // every line spans several reads of at most 3 bytes
  std::string got = s.read(2);
  got += s.read_exactly(9);
  for (std::string line; !(line = s.readline()).empty();) got += line;
  writer.wait();
  CHECK(got == sent);
}

TEST_CASE_FIXTURE(hub_test, "stream: a zero buffer size is refused") {
  auto [a, b] = green::socketpair();
  CHECK_THROWS_AS(green::stream(a, 0), std::invalid_argument);
}
