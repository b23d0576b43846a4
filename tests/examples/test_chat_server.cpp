// chat_server: 200 clients at once, each line reaching every other client exactly once and
// never its sender; clients leaving (closing, resetting, half-closing) without disturbing the
// others; a client too slow to read disconnected without holding the others up.
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coros/semaphore.hpp"
#include "example.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

namespace {

// A chat client: its socket and a stream reading it.
struct client {
  client(int id, green::socket s) : id(id), socket(std::move(s)) {
    socket.set_timeout(60);  // a lost line fails the test instead of hanging it
  }
  int id;
  green::socket socket;
  green::stream in{socket};
};
using client_list = std::vector<std::unique_ptr<client>>;

// join() adds a client on the connected socket `s` (its id: its index in `all`) and waits
// until the server has it in the chat: it says "joined ID", and client 0 reads that line, so
// the server runs its handler and every line sent from now on reaches it. Each client joined
// before has that line to read too.
void join(client_list& all, green::socket s) {
  const int id = static_cast<int>(all.size());
  all.push_back(std::make_unique<client>(id, std::move(s)));
  if (id == 0) return;
  const std::string line = "joined " + std::to_string(id) + "\n";
  all.back()->socket.sendall(line);
  REQUIRE(all[0]->in.readline() == line);
}

// The lines of exchange(): "ROUND ID SEQ" and "done ROUND ID".
std::string said(int round, int id, int seq) {
  return std::to_string(round) + " " + std::to_string(id) + " " + std::to_string(seq) + "\n";
}
std::string done(int round, int id) {
  return "done " + std::to_string(round) + " " + std::to_string(id) + "\n";
}

// exchange() has every client of `group` send `lines` lines at once, while each reads; a
// client that has read the lines of every other client of the group says "done" (after its own
// lines, so whoever reads its "done" has read them all) and reads on until each other client
// has said "done". Returns what each read.
std::vector<std::vector<std::string>> exchange(const std::vector<client*>& group, int round,
                                               int lines) {
  const int others = static_cast<int>(group.size()) - 1;
  std::vector<greenthread<std::vector<std::string>>> talks;
  for (client* c : group) {
    talks.push_back(spawn([=] {
      auto sender = spawn([=] {
        for (int seq = 0; seq < lines; ++seq) c->socket.sendall(said(round, c->id, seq));
      });
      const std::string this_round = std::to_string(round) + " ";
      std::vector<std::string> got;
      for (int heard = 0, finished = 0; finished < others;) {
        std::string line = c->in.readline();
        if (line.empty())
          throw std::runtime_error("client " + std::to_string(c->id) + ": the server hung up");
        if (line.starts_with("done ")) {
          ++finished;
        } else if (line.starts_with(this_round) && ++heard == others * lines) {
          sender.wait();
          c->socket.sendall(done(round, c->id));
        }
        got.push_back(std::move(line));
      }
      return got;
    }));
  }
  return waitall(talks);
}

// check_heard() checks what client `me` of `group` read in exchange(): `before` (lines it was
// yet to read when the round began), each other client's lines, in the order sent, and "done",
// each exactly once, and nothing else: nothing of its own.
void check_heard(const client& me, std::vector<std::string> got, const std::vector<client*>& group,
                 int round, int lines, std::vector<std::string> before) {
  std::map<int, int> next_seq;  // by sender
  int out_of_order = 0;
  for (const std::string& line : got) {
    int r, id, seq;
    if (std::sscanf(line.c_str(), "%d %d %d", &r, &id, &seq) == 3 && seq != next_seq[id]++)
      ++out_of_order;
  }
  CHECK_MESSAGE(out_of_order == 0, "client " << me.id << ": lines out of order");

  std::vector<std::string> expected = std::move(before);
  for (const client* c : group) {
    if (c == &me) continue;
    for (int seq = 0; seq < lines; ++seq) expected.push_back(said(round, c->id, seq));
    expected.push_back(done(round, c->id));
  }
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  CHECK_MESSAGE(missing.empty(),
                "client " << me.id << " missed " << missing.size()
                          << " lines, the first: " << (missing.empty() ? "" : missing[0]));
  CHECK_MESSAGE(extra.empty(),
                "client " << me.id << " read " << extra.size()
                          << " lines too many, the first: " << (extra.empty() ? "" : extra[0]));
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "chat_server: 200 clients talk at once; every line reaches every other client "
                  "exactly once and never its sender; clients that leave disturb nobody") {
  example server("CHAT_SERVER");
  client_list all;
  for (int i = 0; i < 200; ++i) join(all, green::connect(server.where()));
  const int fds_all = server.open_fds();

  std::vector<client*> everyone;
  for (auto& c : all) everyone.push_back(c.get());
  const int lines = 10;
  auto heard = exchange(everyone, 1, lines);
  for (client* c : everyone) {
    std::vector<std::string> joined_later;  // client 0 read those in join()
    for (int k = c->id + 1; c->id > 0 && k < 200; ++k)
      joined_later.push_back("joined " + std::to_string(k) + "\n");
    check_heard(*c, heard[c->id], everyone, 1, lines, joined_later);
  }

  // Three clients in four leave, each way there is: closing, resetting the connection (an
  // error on the server's side), half-closing (the server reads EOF). The others talk again
  // at once, while the server notices.
  std::vector<client*> staying;
  for (client* c : everyone) {
    switch (c->id % 4) {
      case 1:
        c->socket.close();
        break;
      case 2:
        c->socket.setsockopt(SOL_SOCKET, SO_LINGER, linger{1, 0});
        c->socket.close();
        break;
      case 3:
        c->socket.shutdown(SHUT_WR);
        break;
      default:
        staying.push_back(c);
    }
  }
  heard = exchange(staying, 2, lines);
  for (std::size_t i = 0; i < staying.size(); ++i)
    check_heard(*staying[i], heard[i], staying, 2, lines, {});
  const int fds_staying = fds_all - (200 - static_cast<int>(staying.size()));
  CHECK(server.wait_for_fds(fds_staying) == fds_staying);  // it closed the others' sockets
}

namespace {

// The most a TCP socket's send buffer grows to (the third field of tcp_wmem).
std::size_t socket_send_buffer_max() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_wmem");
  std::size_t low = 0, initial = 0, max = 4 << 20;
  f >> low >> initial >> max;
  return max;
}

// A 1000-byte line numbered `n`.
std::string long_line(int n) {
  std::string line = std::to_string(n) + " ";
  line.resize(999, 'x');
  return line + "\n";
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "chat_server: a client too slow to read is disconnected; the others go on") {
  example server("CHAT_SERVER");
  client_list all;
  join(all, green::connect(server.where()));  // 0 talks
  join(all, green::connect(server.where()));  // 1 reads all along
  green::socket slow(AF_INET, SOCK_STREAM);
  slow.set_receive_buffer(4096);  // a small window: the server's side holds what it is sent
  slow.connect(server.where());
  join(all, std::move(slow));  // 2 reads only at the end
  REQUIRE(all[1]->in.readline() == "joined 2\n");

  // More than the server can hold for client 2: its socket's send buffer, the stream in front
  // of it (64 KiB) and the queue of at most max_backlog bytes (1 MiB) that chat_server.cpp
  // allows. Client 0 keeps at most 256 lines ahead of client 1, so client 1 stays well within.
  const int count =
      static_cast<int>(2 * (socket_send_buffer_max() + (1 << 20) + (64 << 10)) / 1000);
  semaphore ahead(256);
  auto talker = spawn([&] {
    for (int i = 0; i < count; ++i) {
      ahead.acquire();
      all[0]->socket.sendall(long_line(i));
    }
  });
  int fast_got = 0;
  while (fast_got < count && all[1]->in.readline() == long_line(fast_got)) {
    ++fast_got;
    ahead.release();
  }
  CHECK(fast_got == count);
  talker.kill();  // if client 1 failed, client 0 waits for it

  // Client 2 reads what the server had sent it before dropping it, in order (the last line
  // may be cut short), then EOF.
  int slow_got = 0;
  std::string line;
  while ((line = all[2]->in.readline()) == long_line(slow_got)) ++slow_got;
  if (!line.empty()) {
    CHECK(line.back() != '\n');
    CHECK(long_line(slow_got).starts_with(line));
    line = all[2]->in.readline();
  }
  CHECK(line == "");
  CHECK(slow_got < count);
  MESSAGE("the slow client read " << slow_got << " of " << count << " lines");
}
