// The load generator (a child process): a raw epoll loop over non-blocking sockets, each
// connection doing checked ping-pong round trips, written to cost as little as it can.
#include "generator.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace echo_bench {

namespace {

double own_cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The message of connection `id` with sequence number `seq`: 16 bytes.
struct message {
  std::uint32_t id;
  std::uint32_t magic;
  std::uint64_t seq;
};
static_assert(sizeof(message) == 16);
constexpr std::uint32_t magic = 0xec40be4c;

// One connection of the generator.
struct connection {
  enum class state { connecting, handshaking, running, closed };
  int fd = -1;
  SSL* ssl = nullptr;
  state st = state::connecting;
  std::uint32_t events = 0;  // what epoll watches
  message out{};             // the last message sent
  std::size_t out_sent = 0;  // how much of it is written
  bool in_flight = false;    // waiting for the echo of `out`
  bool opened = false;       // through its first round trip
  char in[sizeof(message)];  // the echo read so far
  std::size_t in_have = 0;
};

class generator {
 public:
  generator(int port, std::size_t n, bool tls, int control)
      : conns_(n), tls_(tls), control_(control), epfd_(epoll_create1(EPOLL_CLOEXEC)) {
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(port);
    addr_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (tls_) {
      ctx_ = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // the example's cert is self-signed
      SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);    // thousands of idle connections
    }
  }

  // run() opens the connections, then runs windows while the parent asks for them.
  void run() {
    open_all();
    const bool all_open = report_.connected == conns_.size();
    send_to_parent(all_open ? ready_byte : failed_byte);
    for (char command; all_open && read(control_, &command, 1) == 1 && command == go_byte;) {
      const window_report w = window();
      send_to_parent(w);
    }
    for (connection& c : conns_) close_connection(c);
    send_to_parent(report_);
  }

 private:
  // Opens the connections, at most 128 at a time not yet through their first round trip, so
  // the server's accept queue never overflows. Gives up after 60 s.
  void open_all() {
    std::size_t next = 0;
    const double give_up = now() + 60;
    while (report_.connected + report_.errors < conns_.size() && now() < give_up) {
      while (next < conns_.size() && opening_ < 128) start(next++);
      poll_once(give_up);
    }
    report_.lost += conns_.size() - report_.connected - report_.errors;
  }

  // Runs round trips on every connection for one window, says end_byte, and awaits the
  // echoes in flight (10 s at most: those that do not come are lost).
  window_report window() {
    const double cpu = own_cpu_seconds(), start = now(), end = start + window_seconds;
    round_trips_ = 0;
    phase_ = phase::timed;
    for (std::size_t i = 0; i < conns_.size(); ++i) send_next(i);
    while (now() < end) poll_once(end);
    const window_report w{round_trips_, now() - start, own_cpu_seconds() - cpu};
    send_to_parent(end_byte);
    phase_ = phase::draining;
    const double give_up = now() + 10;
    while (in_flight_ > 0 && now() < give_up) poll_once(give_up);
    for (connection& c : conns_)
      if (c.in_flight) fail(c, "no echo", 0, true);
    return w;
  }

  void start(std::size_t i) {
    connection& c = conns_[i];
    ++opening_;
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return fail(c, "socket", errno);
    const int on = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) < 0 &&
        errno != EINPROGRESS)
      return fail(c, "connect", errno);
    epoll_event ev{};
    ev.events = c.events = EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void poll_once(double until) {
    epoll_event ready[1024];
    const int timeout_ms = std::max(1, static_cast<int>((until - now()) * 1000));
    const int n = epoll_wait(epfd_, ready, 1024, timeout_ms);
    for (int k = 0; k < n; ++k) handle(static_cast<std::size_t>(ready[k].data.u64));
  }

  void handle(std::size_t i) {
    connection& c = conns_[i];
    if (c.st == connection::state::connecting) {
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error) return fail(c, "connect", error);
      if (!tls_) {
        c.st = connection::state::running;
        return send_next(i);
      }
      c.ssl = SSL_new(ctx_);
      SSL_set_fd(c.ssl, c.fd);
      c.st = connection::state::handshaking;
    }
    if (c.st == connection::state::handshaking) {
      const int r = SSL_connect(c.ssl);
      if (r <= 0) return tls_wait(c, r, "SSL_connect");
      c.st = connection::state::running;
      return send_next(i);
    }
    if (c.st != connection::state::running) return;
    if (c.out_sent < sizeof(message)) return write_out(c);
    read_in(i);
  }

  // Sends connection i's next message.
  void send_next(std::size_t i) {
    connection& c = conns_[i];
    if (c.st != connection::state::running) return;
    c.out = {static_cast<std::uint32_t>(i), magic, c.out.seq + 1};
    c.out_sent = 0;
    c.in_flight = true;
    ++in_flight_;
    write_out(c);
  }

  void write_out(connection& c) {
    const char* data = reinterpret_cast<const char*>(&c.out) + c.out_sent;
    const std::size_t left = sizeof(message) - c.out_sent;
    if (tls_) {
      const int r = SSL_write(c.ssl, data, static_cast<int>(left));  // all or nothing
      if (r <= 0) return tls_wait(c, r, "SSL_write");
      c.out_sent = sizeof(message);
    } else {
      const ssize_t r = send(c.fd, data, left, MSG_NOSIGNAL);
      if (r < 0 && errno != EAGAIN) return fail(c, "send", errno);
      if (r > 0) c.out_sent += static_cast<std::size_t>(r);
      if (c.out_sent < sizeof(message)) return watch(c, EPOLLOUT);
    }
    watch(c, EPOLLIN);
  }

  void read_in(std::size_t i) {
    connection& c = conns_[i];
    const std::size_t want = sizeof(message) - c.in_have;
    std::size_t got = 0;
    if (tls_) {
      const int r = SSL_read(c.ssl, c.in + c.in_have, static_cast<int>(want));
      if (r <= 0) return tls_wait(c, r, "SSL_read");
      got = static_cast<std::size_t>(r);
    } else {
      const ssize_t r = recv(c.fd, c.in + c.in_have, want, 0);
      if (r == 0) return fail(c, "recv: the server closed the connection", 0);
      if (r < 0) return errno == EAGAIN ? void() : fail(c, "recv", errno);
      got = static_cast<std::size_t>(r);
    }
    if (!c.in_flight) return fail(c, "an echo of nothing sent", 0);
    c.in_have += got;
    if (c.in_have < sizeof(message)) return;
    c.in_have = 0;
    c.in_flight = false;
    --in_flight_;
    if (std::memcmp(c.in, &c.out, sizeof(message)) != 0) return fail(c, "a wrong echo", 0);
    if (!c.opened) {  // the first round trip, while opening
      c.opened = true;
      ++report_.connected;
      --opening_;
    } else if (phase_ == phase::timed) {
      ++round_trips_;
      send_next(i);
    }
  }

  // After a TLS call returned `r` <= 0: waits for what it wants, or fails.
  void tls_wait(connection& c, int r, const char* what) {
    const int error = SSL_get_error(c.ssl, r);
    if (error == SSL_ERROR_WANT_READ) return watch(c, EPOLLIN);
    if (error == SSL_ERROR_WANT_WRITE) return watch(c, EPOLLOUT);
    char text[120] = "the server closed the connection";
    if (const unsigned long e = ERR_get_error()) ERR_error_string_n(e, text, sizeof text);
    fail(c, (std::string(what) + ": " + text).c_str(), 0);
  }

  void watch(connection& c, std::uint32_t events) {
    if (c.events == events) return;
    epoll_event ev{};
    ev.events = c.events = events;
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // Counts an error (or, if `lost`, a lost echo) and closes the connection.
  void fail(connection& c, const char* what, int error, bool lost = false) {
    if (report_.errors + report_.lost == 0)
      std::snprintf(report_.first_error, sizeof report_.first_error, "%s%s%s", what,
                    error ? ": " : "", error ? std::strerror(error) : "");
    ++(lost ? report_.lost : report_.errors);
    if (c.in_flight) --in_flight_;
    if (!c.opened) --opening_;
    c.in_flight = false;
    close_connection(c);
  }

  void close_connection(connection& c) {
    if (c.ssl) {
      if (c.st == connection::state::running) SSL_shutdown(c.ssl);  // sends close_notify
      SSL_free(c.ssl);
      c.ssl = nullptr;
    }
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
    c.st = connection::state::closed;
  }

  template <typename T>
  void send_to_parent(const T& data) {
    if (!send_control(control_, data)) std::perror("echo_bench: control");
  }

  std::vector<connection> conns_;
  bool tls_;
  int control_;
  int epfd_;
  sockaddr_in addr_{};
  SSL_CTX* ctx_ = nullptr;
  final_report report_;
  std::uint64_t round_trips_ = 0;
  std::size_t opening_ = 0;    // connections started and not through their first round trip
  std::size_t in_flight_ = 0;  // messages sent whose echo has not come
  enum class phase { opening, timed, draining } phase_ = phase::opening;
};

}  // namespace

void run_generator(int port, std::size_t connections, bool tls, int control) {
  generator(port, connections, tls, control).run();
}

}  // namespace echo_bench
