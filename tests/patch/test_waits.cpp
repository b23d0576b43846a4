// The interposed waits for several fds, the sleeps and the name lookups, in greenthreads.
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

#include <cstring>
#include <string>
#include <vector>

#include "helpers.hpp"

using hub_tests::hub_test;
using namespace patch_tests;

TEST_CASE_FIXTURE(hub_test,
                  "waits: poll and ppoll wait green on several fds; the first ready wins") {
  auto a = make_socketpair(), b = make_socketpair();
  pollfd fds[2] = {{a.in, POLLIN, 0}, {b.in, POLLIN, 0}};
  green_while([&] { CHECK(::poll(fds, 2, 5000) == 1); },
              [&] { CHECK(::write(b.out, "x", 1) == 1); });
  CHECK(fds[0].revents == 0);
  CHECK(fds[1].revents == POLLIN);
  char c;
  CHECK(::read(b.in, &c, 1) == 1);

  const timespec ts{5, 0};
  green_while([&] { CHECK(::ppoll(fds, 2, &ts, nullptr) == 1); },
              [&] { CHECK(::write(a.out, "x", 1) == 1); });
  CHECK(fds[0].revents == POLLIN);
  CHECK(::read(a.in, &c, 1) == 1);

  eventlet::spawn([&] {  // a timeout gives 0
    errno = 77;
    const int r = ::poll(fds, 2, 10);
    const int error = errno;
    CHECK(r == 0);
    CHECK(error == 77);
  })
      .wait();
}

TEST_CASE_FIXTURE(hub_test, "waits: select and pselect wait green and fill the sets") {
  auto a = make_socketpair(), b = make_socketpair();
  fd_set rd;
  green_while(
      [&] {
        FD_ZERO(&rd);
        FD_SET(a.in, &rd);
        FD_SET(b.in, &rd);
        timeval tv{5, 0};
        CHECK(::select(std::max(a.in.fd, b.in.fd) + 1, &rd, nullptr, nullptr, &tv) == 1);
        CHECK(tv.tv_sec <= 5);
      },
      [&] { CHECK(::write(a.out, "x", 1) == 1); });
  CHECK(FD_ISSET(a.in, &rd));
  CHECK_FALSE(FD_ISSET(b.in, &rd));
  char c;
  CHECK(::read(a.in, &c, 1) == 1);

  green_while(
      [&] {
        FD_ZERO(&rd);
        FD_SET(b.in, &rd);
        CHECK(::pselect(b.in + 1, &rd, nullptr, nullptr, nullptr, nullptr) == 1);
      },
      [&] { CHECK(::write(b.out, "x", 1) == 1); });
  CHECK(FD_ISSET(b.in, &rd));
  eventlet::spawn([&] {
    FD_ZERO(&rd);
    FD_SET(a.in, &rd);
    timeval tv{0, 10000};
    CHECK(::select(a.in + 1, &rd, nullptr, nullptr, &tv) == 0);
  }).wait();
}

TEST_CASE_FIXTURE(hub_test, "waits: epoll_wait waits green on its epoll fd") {
  owned_fd ep(::epoll_create1(EPOLL_CLOEXEC));
  auto s = make_socketpair();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = s.in;
  REQUIRE(::epoll_ctl(ep, EPOLL_CTL_ADD, s.in, &ev) == 0);
  epoll_event got[4];
  green_while([&] { CHECK(::epoll_wait(ep, got, 4, 5000) == 1); },
              [&] { CHECK(::write(s.out, "x", 1) == 1); });
  CHECK(int(got[0].data.fd) == s.in.fd);
  char c;
  CHECK(::read(s.in, &c, 1) == 1);
  eventlet::spawn([&] { CHECK(::epoll_wait(ep, got, 4, 10) == 0); }).wait();
}

TEST_CASE_FIXTURE(hub_test,
                  "waits: sleep, usleep, nanosleep and clock_nanosleep in greenthreads overlap") {
  const double start = eventlet::hubs::hub::clock();
  std::vector<eventlet::greenthread<void>> all;
  all.push_back(eventlet::spawn([] { CHECK(::sleep(1) == 0); }));
  for (int i = 0; i < 3; ++i) {
    all.push_back(eventlet::spawn([] { CHECK(::usleep(300000) == 0); }));
    all.push_back(eventlet::spawn([] {
      const timespec ts{0, 300000000};
      CHECK(::nanosleep(&ts, nullptr) == 0);
    }));
    all.push_back(eventlet::spawn([] {
      const timespec ts{0, 300000000};
      CHECK(::clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr) == 0);
    }));
    all.push_back(eventlet::spawn([] {
      timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 300000000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_nsec -= 1000000000;
        ++ts.tv_sec;
      }
      CHECK(::clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr) == 0);
    }));
  }
  for (auto& gt : all) gt.wait();
  const double took = eventlet::hubs::hub::clock() - start;
  MESSAGE("1 s + 12 x 0.3 s of sleeps took " << took << " s");
  CHECK(took >= 0.99);
  CHECK(took < 2.5);  // one after another: 4.6 s
}

TEST_CASE_FIXTURE(hub_test, "waits: getaddrinfo and gethostbyname* resolve on the pool") {
  eventlet::spawn([] {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    REQUIRE(::getaddrinfo("localhost", "80", &hints, &res) == 0);
    REQUIRE(res);
    const auto* in = reinterpret_cast<const sockaddr_in*>(res->ai_addr);
    CHECK(ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK);
    CHECK(ntohs(in->sin_port) == 80);
    ::freeaddrinfo(res);
    CHECK(::getaddrinfo("no-such-host.invalid", nullptr, &hints, &res) != 0);

    const hostent* h = ::gethostbyname("localhost");
    REQUIRE(h);
    CHECK(h->h_addrtype == AF_INET);
    CHECK(std::memcmp(h->h_addr_list[0], "\x7f\0\0\x01", 4) == 0);
    hostent mine;
    hostent* out = nullptr;
    char small[8], buf[1024];
    int herr = 0;
    CHECK(::gethostbyname_r("localhost", &mine, small, sizeof small, &out, &herr) == ERANGE);
    CHECK(::gethostbyname_r("localhost", &mine, buf, sizeof buf, &out, &herr) == 0);
    REQUIRE(out == &mine);
    CHECK(std::string(mine.h_name).size() > 0);
    CHECK(std::memcmp(mine.h_addr_list[0], "\x7f\0\0\x01", 4) == 0);
    CHECK(::gethostbyname2("no-such-host.invalid", AF_INET) == nullptr);
  }).wait();
}
