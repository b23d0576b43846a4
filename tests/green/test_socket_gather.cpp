// green::socket's gathered sendall() and sendfile(): what they send arrives whole and in order,
// partial sends resume at the right byte, and a closed peer is EPIPE, never SIGPIPE.
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "helpers.hpp"

using namespace eventlet;
using green_tests::os_failure_of;
using green_tests::read_all;
using hub_tests::hub_test;

namespace {

// A temporary file holding `content`, removed when destroyed.
struct temp_file {
  int fd = -1;
  explicit temp_file(const std::string& content) {
    char name[] = "/tmp/eventlet-sendfile-XXXXXX";
    fd = mkstemp(name);
    REQUIRE(fd >= 0);
    unlink(name);
    REQUIRE(write(fd, content.data(), content.size()) == ssize_t(content.size()));
  }
  ~temp_file() { close(fd); }
};

}  // namespace

TEST_CASE_FIXTURE(hub_test, "socket: sendall of 200 pieces (empty ones too) sends them in order") {
  std::vector<std::string> texts;
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    texts.push_back(std::string(i % 7 == 0 ? 0 : (i * 997) % 5000, char('a' + i % 26)));
    expected += texts.back();
  }
  const std::vector<std::string_view> pieces(texts.begin(), texts.end());
  auto [a, b] = green::socketpair();
  b.set_receive_buffer(4096);  // partial sends, resumed in the middle of pieces
  auto sender = spawn([&a = a, &pieces] {
    a.sendall(pieces);
    a.shutdown(SHUT_WR);
  });
  CHECK(read_all(b) == expected);
  sender.wait();
}

TEST_CASE_FIXTURE(hub_test, "socket: sendfile sends a file's range and advances the offset") {
  std::string content;
  for (int i = 0; i < 300000; ++i) content += char('0' + i % 10);
  temp_file file(content);
  auto [a, b] = green::socketpair();
  auto sender = spawn([&a = a, &file] {
    off_t offset = 5;
    std::size_t total = 0;
    while (const std::size_t n = a.sendfile(file.fd, offset, 250000 - total)) {
      total += n;
      if (total == 250000) break;
    }
    a.shutdown(SHUT_WR);
    return offset;
  });
  CHECK(read_all(b) == content.substr(5, 250000));
  CHECK(sender.wait() == 250005);
  off_t end = 300000;
  CHECK(a.sendfile(file.fd, end, 10) == 0);  // past the end: nothing
}

TEST_CASE_FIXTURE(hub_test, "socket: sendall of pieces and sendfile to a closed peer are EPIPE") {
  auto [a, b] = green::socketpair();
  b.close();
  const std::string_view pieces[] = {"head", "body"};
  CHECK(os_failure_of([&a = a, &pieces] { a.sendall(pieces); }).error == EPIPE);
  temp_file file("data");
  off_t offset = 0;
  CHECK(os_failure_of([&a = a, &file, &offset] { a.sendfile(file.fd, offset, 4); }).error == EPIPE);
  CHECK(offset == 0);
}
