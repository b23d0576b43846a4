// echo_bench: echo throughput, side by side in one run, of an echo server written as a raw
// single-threaded epoll loop in C (echo_raw_epoll, the baseline), of the example echo_server
// under each hub, and of the example tls_echo_server where it is built beside echo_server.
//
//   build/tools/echo_bench [--connections N] [--seconds S] [--json]
//
// Each server runs as a child process (--port 0) loaded by a load generator of its own: a
// forked copy of this program, a raw epoll loop over non-blocking sockets, written to cost as
// little as it can. Each generator opens N connections (10,000 by default; the select hub gets
// at most 1,000, since it cannot watch fds from 1024 on), each doing one round trip, and holds
// them idle while the server's RSS is read: RSS per idle connection is VmRSS then, minus VmRSS
// before the first connection, over N. Then the timed part: every connection does ping-pong
// round trips of a 16-byte message carrying its id and a sequence number, each echo checked
// against what was sent, in windows of 0.5 s taken in turn by every server (in one order, then
// in the other), S seconds (3 by default) in all per server, so that the noise of a shared
// machine falls on every server alike: the median window is reported, and the median of the
// ratios of a server's window to the baseline's of the same round. After each window the
// echoes in flight are awaited.
// For TLS the generator does the handshakes (without verifying the self-signed certificate)
// before the timed part. Errors are echoes that differ, connections that fail and echoes that
// never come; any error makes the exit status 1. Figures only: nothing here judges time.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "hubs/hub.hpp"

extern char** environ;

namespace {

constexpr double window_seconds = 0.5;

// What goes over a generator's control socket. The generator says ready_byte (or failed_byte)
// once its connections are open; then, for each go_byte, it runs a window, says end_byte when
// the window closes and sends a window_report once the echoes in flight are back; quit_byte
// makes it close its connections, send a final_report and exit.
constexpr char ready_byte = 'R';
constexpr char failed_byte = 'F';
constexpr char go_byte = 'G';
constexpr char end_byte = 'E';
constexpr char quit_byte = 'Q';

struct window_report {
  std::uint64_t round_trips = 0;  // completed within the window
  double seconds = 0;             // the window's length
  double cpu = 0;                 // the generator's CPU seconds in it
};

struct final_report {
  std::uint64_t connected = 0;  // connections that did their first round trip
  std::uint64_t errors = 0;     // failed connections and wrong echoes
  std::uint64_t lost = 0;       // echoes that never came
  char first_error[160] = "";
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double own_cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Sends `data` on a control socket; false if the other side is gone.
template <typename T>
bool send_control(int fd, const T& data) {
  return send(fd, &data, sizeof data, MSG_NOSIGNAL) == sizeof data;
}

// ---- the load generator (a child process) ------------------------------------------------

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

// ---- the parent: servers, windows, the table ----------------------------------------------

struct server_spec {
  std::string program;  // its name, shown
  std::string path;
  std::string hub;  // EVENTLET_HUB, or "" for the C baseline
  std::size_t connections;
  bool tls;
};

// A server, its generator and what was measured.
struct bench {
  server_spec spec;
  pid_t server = -1, load = -1;
  int control = -1;               // the socket to the generator
  double rss_per_conn_kib = 0;    // the server's RSS per idle connection
  std::vector<double> rates;      // round trips per second, window by window
  std::uint64_t round_trips = 0;  // over every window
  double seconds = 0;             // the windows' total length
  double server_cpu = 0;          // the server's CPU seconds in the windows
  double load_cpu = 0;            // the generator's
  final_report load_final;
  std::string failure;  // why it could not be measured
};

// The VmRSS of process `pid`, in KiB.
long vm_rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

// The CPU time process `pid` has used (user and system), in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // from field 3 on
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;
  double utime = 0, stime = 0;  // fields 14 and 15, in clock ticks
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Reads one line from `fd`, waiting at most `seconds` for each byte.
std::string read_line(int fd, double seconds) {
  std::string line;
  pollfd p{fd, POLLIN, 0};
  for (char ch; poll(&p, 1, static_cast<int>(seconds * 1000)) == 1 && read(fd, &ch, 1) == 1;) {
    if (ch == '\n') break;
    line += ch;
  }
  return line;
}

template <typename T>
bool receive(int fd, T& data) {
  auto* p = reinterpret_cast<char*>(&data);
  for (std::size_t left = sizeof data; left > 0;) {
    const ssize_t r = read(fd, p, left);
    if (r <= 0) return false;
    p += r;
    left -= static_cast<std::size_t>(r);
  }
  return true;
}

// start() starts the server and its generator, waits until its connections are open and
// reads the server's RSS.
void start(bench& b) {
  int out[2], control[2];
  if (pipe2(out, O_CLOEXEC) < 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) < 0) {
    b.failure = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  std::string port_arg = "0", hub_env = "EVENTLET_HUB=" + b.spec.hub;
  std::vector<char*> argv{b.spec.path.data(), const_cast<char*>("--port"), port_arg.data(),
                          nullptr};
  std::vector<char*> envp{hub_env.data()};  // before the inherited environment: it wins
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  const int spawned = posix_spawn(&b.server, b.spec.path.c_str(), &actions, nullptr, argv.data(),
                                  b.spec.hub.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  const std::string line = spawned ? "" : read_line(out[0], 30);
  close(out[0]);
  const std::string prefix = "listening on 127.0.0.1:";
  if (spawned || line.rfind(prefix, 0) != 0) {
    b.failure = spawned ? "posix_spawn: " + std::string(std::strerror(spawned))
                        : "the server did not say it is listening (it said '" + line + "')";
    close(control[0]);
    close(control[1]);
    return;
  }
  const long rss_before = vm_rss_kib(b.server);
  b.load = fork();
  if (b.load == 0) {
    signal(SIGPIPE, SIG_IGN);  // OpenSSL writes with write(2)
    close(control[0]);
    generator(std::atoi(line.c_str() + prefix.size()), b.spec.connections, b.spec.tls, control[1])
        .run();
    _exit(0);
  }
  close(control[1]);
  b.control = control[0];
  char said = 0;
  if (b.load < 0 || !receive(b.control, said) || said != ready_byte) {
    b.failure = "not every connection could be opened";
    return;
  }
  b.rss_per_conn_kib = static_cast<double>(vm_rss_kib(b.server) - rss_before) /
                       static_cast<double>(b.spec.connections);
}

// window() has b's generator run one window, and notes what it measured.
void window(bench& b) {
  const double cpu = cpu_seconds(b.server);
  char said = 0;
  window_report w;
  if (!send_control(b.control, go_byte) || !receive(b.control, said) || said != end_byte) {
    b.failure = "the load generator died";
    return;
  }
  b.server_cpu += cpu_seconds(b.server) - cpu;
  if (!receive(b.control, w)) {
    b.failure = "the load generator died";
    return;
  }
  b.rates.push_back(static_cast<double>(w.round_trips) / w.seconds);
  b.round_trips += w.round_trips;
  b.seconds += w.seconds;
  b.load_cpu += w.cpu;
}

// finish() stops b's generator and server, collecting the generator's final report.
void finish(bench& b) {
  if (b.control >= 0) {
    if ((b.failure.empty() && !send_control(b.control, quit_byte)) ||
        !receive(b.control, b.load_final))
      if (b.failure.empty()) b.failure = "the load generator died";
    close(b.control);
  }
  if (b.load > 0) waitpid(b.load, nullptr, 0);
  if (b.server < 0) return;
  if (waitpid(b.server, nullptr, WNOHANG) == b.server) {
    if (b.failure.empty()) b.failure = "the server exited while loaded";
    return;
  }
  kill(b.server, SIGTERM);
  waitpid(b.server, nullptr, 0);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The median, over the rounds, of b's rate over the baseline's in the same round.
double ratio(const bench& b, const bench& baseline) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < std::min(b.rates.size(), baseline.rates.size()); ++r)
    ratios.push_back(b.rates[r] / baseline.rates[r]);
  return median(ratios);
}

std::string with_commas(double value) {
  std::string digits = std::to_string(std::llround(value));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// `text` as the inside of a JSON string.
std::string json_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < ' ' ? ' ' : c;
  }
  return out;
}

void print_table(const std::vector<bench>& all, std::size_t connections, double seconds) {
  std::printf(
      "echo_bench: %s connections per server, each doing ping-pong round trips of 16 bytes;\n"
      "%g s per server in windows of %g s taken in turn; the median window shown, and the median\n"
      "of the ratios to the C baseline's window of the same round. Each server has its own load\n"
      "generator process. CPU: each process's CPU time per round trip, over the windows.\n\n",
      with_commas(static_cast<double>(connections)).c_str(), seconds, window_seconds);
  std::printf("%-16s %-9s %6s %14s %6s %11s %11s %14s %7s\n", "server", "hub", "conns",
              "round trips/s", "x raw", "server CPU", "load CPU", "RSS/idle conn", "errors");
  for (const bench& b : all) {
    const std::string hub = b.spec.hub.empty() ? "-" : b.spec.hub;
    const std::uint64_t errors = b.load_final.errors + b.load_final.lost;
    if (!b.failure.empty()) {
      std::printf("%-16s %-9s failed: %s\n", b.spec.program.c_str(), hub.c_str(),
                  b.failure.c_str());
    } else {
      const double rate = median(b.rates), rts = std::max<double>(1, b.round_trips);
      std::printf("%-16s %-9s %6zu %14s %5.2fx %8.2f us %8.2f us %10.2f KiB %7llu\n",
                  b.spec.program.c_str(), hub.c_str(), b.spec.connections,
                  with_commas(rate).c_str(), ratio(b, all.front()), b.server_cpu / rts * 1e6,
                  b.load_cpu / rts * 1e6, b.rss_per_conn_kib,
                  static_cast<unsigned long long>(errors));
    }
    if (errors)
      std::printf("%18s%llu failed or wrong, %llu lost; the first: %s\n", "",
                  static_cast<unsigned long long>(b.load_final.errors),
                  static_cast<unsigned long long>(b.load_final.lost), b.load_final.first_error);
  }
}

void print_json(const std::vector<bench>& all) {
  std::printf("[\n");
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bench& b = all[i];
    const double rate = median(b.rates), rts = std::max<double>(1, b.round_trips);
    std::printf(
        "  {\"server\": \"%s\", \"hub\": \"%s\", \"tls\": %s, \"connections\": %zu, "
        "\"round_trips_per_second\": %.0f, \"ratio_to_raw\": %.3f, "
        "\"server_cpu_us_per_round_trip\": %.3f, \"load_cpu_us_per_round_trip\": %.3f, "
        "\"rss_per_idle_connection_kib\": %.3f, \"errors\": %llu, \"lost\": %llu, "
        "\"first_error\": \"%s\", \"failure\": \"%s\"}%s\n",
        b.spec.program.c_str(), b.spec.hub.c_str(), b.spec.tls ? "true" : "false",
        b.spec.connections, rate, ratio(b, all.front()), b.server_cpu / rts * 1e6,
        b.load_cpu / rts * 1e6, b.rss_per_conn_kib,
        static_cast<unsigned long long>(b.load_final.errors),
        static_cast<unsigned long long>(b.load_final.lost),
        json_text(b.load_final.first_error).c_str(), json_text(b.failure).c_str(),
        i + 1 < all.size() ? "," : "");
  }
  std::printf("]\n");
}

// The directory this program is in.
std::string own_directory() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  const std::string p(path, static_cast<std::size_t>(n));
  return p.substr(0, p.rfind('/'));
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "%s\nusage: echo_bench [--connections N] [--seconds S] [--json]\n",
               problem.c_str());
  std::exit(2);
}

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// Reads the value of `name`: a number from `low` to `high`.
double number(const std::string& name, const char* text, double low, double high) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (!*text || *end || !(v >= low && v <= high))
    usage(name + " '" + text + "' is not a number from " + number_text(low) + " to " +
          number_text(high));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t connections = 10'000;
  double seconds = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--connections" && i + 1 < argc) {
      connections = static_cast<std::size_t>(number(arg, argv[++i], 1, 1e6));
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = number(arg, argv[++i], window_seconds, 3600);
    } else {
      usage("bad argument '" + arg + "'");
    }
  }

  // Each process needs its own N fds: raise the soft limit as far as allowed.
  rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (connections + 64 > limit.rlim_cur)
    std::fprintf(stderr, "echo_bench: the fd limit (%llu) is too low for %zu connections\n",
                 static_cast<unsigned long long>(limit.rlim_cur), connections);

  const std::string dir = own_directory();
  std::vector<bench> all;
  const auto add = [&](server_spec spec) { all.emplace_back().spec = std::move(spec); };
  add({"echo_raw_epoll", dir + "/echo_raw_epoll", "", connections, false});
  for (const std::string& hub : eventlet::hubs::available_hubs()) {
    const std::size_t n = hub == "select" ? std::min<std::size_t>(connections, 1000) : connections;
    add({"echo_server", dir + "/examples/echo_server", hub, n, false});
  }
  const std::string tls_path = dir + "/examples/tls_echo_server";
  const bool have_tls = access(tls_path.c_str(), X_OK) == 0;
  if (have_tls)
    add({"tls_echo_server", tls_path, eventlet::hubs::get_default_hub(), connections, true});

  // The servers take their windows in turn, in one order and then in the other.
  for (bench& b : all) start(b);
  const int rounds = std::max(1, static_cast<int>(std::lround(seconds / window_seconds)));
  for (int round = 0; round < rounds; ++round)
    for (std::size_t i = 0; i < all.size(); ++i) {
      bench& b = all[round % 2 ? all.size() - 1 - i : i];
      if (b.failure.empty()) window(b);
    }
  for (bench& b : all) finish(b);

  bool failed = false;
  for (const bench& b : all)
    failed = failed || !b.failure.empty() || b.load_final.errors || b.load_final.lost;
  if (json) {
    print_json(all);
  } else {
    print_table(all, connections, rounds * window_seconds);
    for (const bench& b : all)
      if (b.spec.connections != connections)
        std::printf(
            "\n%s on %s: %zu connections (it cannot watch fds from 1024 on); its ratio is "
            "to the C baseline at %zu.",
            b.spec.program.c_str(), b.spec.hub.c_str(), b.spec.connections, connections);
    if (!have_tls) std::printf("\ntls_echo_server: not built beside echo_server; TLS skipped.");
    std::printf("\n");
  }
  return failed ? 1 : 0;
}
