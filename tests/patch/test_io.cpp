// Each interposed read, write, accept and connect in a greenthread waits on the hub (the main
// greenlet runs meanwhile), and gives what the C library gives.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>
#include <string>
#include <thread>

#include "helpers.hpp"

using hub_tests::hub_test;
using namespace patch_tests;

TEST_CASE_FIXTURE(hub_test, "io: read on a pipe waits green, write fills and waits green") {
  auto p = make_pipe();
  char buf[8] = {};
  green_while([&] { CHECK(::read(p.in, buf, sizeof buf) == 5); },
              [&] { CHECK(::write(p.out, "hello", 5) == 5); });
  CHECK(std::string(buf, 5) == "hello");

  const std::string big(1 << 20, 'w');  // more than a pipe holds
  std::string got;
  green_while([&] { CHECK(::write(p.out, big.data(), big.size()) == ssize_t(big.size())); },
              [&] {
                char chunk[65536];
                while (got.size() < big.size()) {
                  const ssize_t n = ::read(p.in, chunk, sizeof chunk);
                  REQUIRE(n > 0);
                  got.append(chunk, std::size_t(n));
                }
              });
  CHECK(got == big);
}

TEST_CASE_FIXTURE(hub_test, "io: readv, writev, recv, send, recvfrom, sendto, recvmsg, sendmsg") {
  auto s = make_socketpair();
  char a[3], b[3];
  iovec iov[2] = {{a, 3}, {b, 3}};
  green_while([&] { CHECK(::readv(s.in, iov, 2) == 6); },
              [&] {
                iovec out[2] = {{const_cast<char*>("abc"), 3}, {const_cast<char*>("def"), 3}};
                CHECK(::writev(s.out, out, 2) == 6);
              });
  CHECK(std::string(a, 3) + std::string(b, 3) == "abcdef");

  char buf[16];
  green_while([&] { CHECK(::recv(s.in, buf, sizeof buf, 0) == 2); },
              [&] { CHECK(::send(s.out, "hi", 2, 0) == 2); });
  green_while([&] { CHECK(::recvfrom(s.in, buf, sizeof buf, 0, nullptr, nullptr) == 3); },
              [&] { CHECK(::sendto(s.out, "abc", 3, 0, nullptr, 0) == 3); });
  green_while(
      [&] {
        iovec one{buf, sizeof buf};
        msghdr m{};
        m.msg_iov = &one;
        m.msg_iovlen = 1;
        CHECK(::recvmsg(s.in, &m, 0) == 4);
      },
      [&] {
        iovec one{const_cast<char*>("four"), 4};
        msghdr m{};
        m.msg_iov = &one;
        m.msg_iovlen = 1;
        CHECK(::sendmsg(s.out, &m, 0) == 4);
      });
  CHECK(std::string(buf, 4) == "four");
}

TEST_CASE_FIXTURE(hub_test, "io: accept and accept4 wait green; connect connects") {
  owned_fd listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr = listen_loopback(listener, 8);
  auto dial = [&] {
    owned_fd c(::socket(AF_INET, SOCK_STREAM, 0));
    CHECK(::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return c;
  };
  owned_fd accepted, client;
  green_while([&] { accepted = owned_fd(::accept(listener, nullptr, nullptr)); },
              [&] { client = dial(); });
  CHECK(accepted.fd >= 0);
  green_while([&] { accepted = owned_fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)); },
              [&] { client = dial(); });
  CHECK(accepted.fd >= 0);
  CHECK(::write(client, "ok", 2) == 2);
  char buf[2];
  CHECK(::read(accepted, buf, 2) == 2);

  // In a greenthread too; a refused connection gives ECONNREFUSED.
  auto gt = eventlet::spawn([&] {
    owned_fd c = dial();
    listener = owned_fd();
    owned_fd r(::socket(AF_INET, SOCK_STREAM, 0));
    const int result = ::connect(r, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    const int error = errno;
    CHECK(result == -1);
    CHECK(error == ECONNREFUSED);
  });
  gt.wait();
}

TEST_CASE("io: without a hub, on another thread, the calls are the C library's") {
  std::thread t([] {
    CHECK(eventlet::hubs::current_hub() == nullptr);
    CHECK_FALSE(eventlet::patch::enabled());
    auto p = make_pipe();
    std::thread writer([&] {
      ::usleep(20000);
      CHECK(::write(p.out, "x", 1) == 1);
    });
    char c;
    CHECK(::read(p.in, &c, 1) == 1);  // blocks this thread, as without the library
    writer.join();
    CHECK((::fcntl(p.in, F_GETFL) & O_NONBLOCK) == 0);
  });
  t.join();
}
