// Clients of an echo service (echo_server, or the forwarder in front of it), shared by
// test_echo_server.cpp and test_forwarder.cpp.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "example.hpp"

namespace example_tests {

// echo_clients() has `clients` clients at once each send `rounds` messages of 1 to 20,000
// bytes to the echo service at `where`, each waiting for its echo, then half-close; it returns
// how many echoes (or EOFs after the half-close) were not exactly what was expected.
inline int echo_clients(const eventlet::green::address& where, int clients, int rounds) {
  std::vector<eventlet::greenthread<int>> all;
  for (int i = 0; i < clients; ++i) {
    all.push_back(eventlet::spawn([&where, i, rounds] {
      eventlet::green::socket s = eventlet::green::connect(where);
      s.set_timeout(60);  // a lost echo fails the test instead of hanging it
      eventlet::green::stream in(s);
      int wrong = 0;
      for (int round = 0; round < rounds; ++round) {
        const std::string message =
            noise(i * 1000 + round, 1 + (i * 7919 + round * 104729) % 20000);
        s.sendall(message);
        wrong += in.read_exactly(message.size()) != message;
      }
      s.shutdown(SHUT_WR);
      wrong += !in.read(1).empty();  // EOF: the service closes once it has echoed everything
      return wrong;
    }));
  }
  int wrong = 0;
  for (auto& c : all) wrong += c.wait();
  return wrong;
}

// large_echo() sends `total` bytes to the echo service at `where` from one greenthread while
// another reads the echo, half-closes, and checks that the same bytes came back, then EOF.
inline void large_echo(const eventlet::green::address& where, std::size_t total) {
  eventlet::green::socket s = eventlet::green::connect(where);
  s.set_timeout(60);
  auto sender = eventlet::spawn([&] {
    std::uint64_t hash = green_tests::fnv1a("");
    for (std::size_t sent = 0, seed = 0; sent < total; sent += 64 << 10, ++seed) {
      const std::string chunk = noise(seed, std::min<std::size_t>(64 << 10, total - sent));
      hash = green_tests::fnv1a(chunk, hash);
      s.sendall(chunk);
    }
    s.shutdown(SHUT_WR);
    return hash;
  });
  std::uint64_t hash = green_tests::fnv1a("");
  std::size_t received = 0;
  std::vector<char> buffer(256 << 10);
  while (const std::size_t n = s.recv_into(buffer)) {
    hash = green_tests::fnv1a({buffer.data(), n}, hash);
    received += n;
  }
  CHECK(received == total);
  CHECK(hash == sender.wait());
}

}  // namespace example_tests
