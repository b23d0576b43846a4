#include "serve.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "../base/errors.hpp"
#include "../green/net.hpp"

namespace eventlet::backdoor {
namespace {

bool loopback(const green::address& a) {
  if (a.family() == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in*>(a.data())->sin_addr.s_addr) >> 24) == 127;
  if (a.family() == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6*>(a.data())->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

// Compares in time independent of where the two differ.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() != b.size();
  for (std::size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.size() ? b.size() : 1)];
  return diff == 0;
}

// One client: reads lines, answers them, until quit, EOF, a wrong token or its idle timeout.
void converse(green::socket conn, const serve_options& options, console& commands) {
  conn.set_timeout(options.idle_timeout);
  std::string pending;    // bytes of the line being read
  bool skipping = false;  // dropping the rest of a line that was too long
  bool authorized = options.token.empty();
  if (authorized) conn.sendall("eventlet backdoor; type help\n> ");
  char buffer[4096];
  for (;;) {
    std::size_t n;
    try {
      n = conn.recv_into(buffer);
    } catch (const timeout_error&) {
      conn.sendall("\nerror: idle for too long; bye\n");
      return;
    }
    if (n == 0) return;
    std::string_view data(buffer, n);
    while (!data.empty()) {
      const std::size_t eol = data.find('\n');
      const std::string_view piece = data.substr(0, eol);
      data = eol == data.npos ? std::string_view() : data.substr(eol + 1);
      if (!skipping) pending.append(piece);
      if (!skipping && pending.size() > options.max_line) {
        conn.sendall("error: line longer than " + std::to_string(options.max_line) +
                     " bytes, dropped\n" + (authorized ? "> " : ""));
        skipping = true;
        pending.clear();
      }
      if (eol == std::string_view::npos) break;
      if (std::exchange(skipping, false)) continue;
      std::string line = std::move(pending);
      pending.clear();
      if (!authorized) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!same_secret(line, options.token)) {
          conn.sendall("error: wrong token\n");
          return;
        }
        authorized = true;
        conn.sendall("eventlet backdoor; type help\n> ");
        continue;
      }
      bool quit = false;
      const std::string reply = commands.answer(line, quit);
      if (quit) {
        conn.sendall(reply);
        return;
      }
      conn.sendall(reply + "> ");
    }
  }
}

}  // namespace

green::socket listen(std::string_view path) {
  const green::address where = green::address::unix_path(path);
  struct stat st;
  const std::string file(path);
  if (path[0] != '\0' && ::lstat(file.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
    ::unlink(file.c_str());
  green::socket s(AF_UNIX, SOCK_STREAM);
  // On Linux a Unix socket's file takes its mode from the socket at bind(): never wider.
  if (::fchmod(s.fileno(), 0600) != 0) os::throw_error(errno, "backdoor::listen: fchmod");
  s.bind(where);
  if (path[0] != '\0' && ::chmod(file.c_str(), 0600) != 0)
    os::throw_error(errno, "backdoor::listen: chmod " + file);
  s.listen(128);
  return s;
}

void serve(green::socket& listener, serve_options options, console commands) {
  if (options.max_clients == 0 || options.max_line == 0)
    throw std::invalid_argument("backdoor::serve: max_clients and max_line must be > 0");
  if (!(options.idle_timeout > 0) || std::isinf(options.idle_timeout))
    throw std::invalid_argument("backdoor::serve: idle_timeout must be a finite number > 0");
  const green::address local = listener.getsockname();
  if (local.family() != AF_UNIX && !loopback(local)) {
    if (!options.allow_remote || options.token.empty())
      throw std::invalid_argument(
          "backdoor::serve: " + local.to_string() +
          " is not a loopback address; serving it needs serve_options::allow_remote and a token");
  }
  auto shared =
      std::make_shared<std::pair<serve_options, console>>(std::move(options), std::move(commands));
  green::serve(
      listener,
      [shared](green::socket conn, green::address) {
        try {
          converse(std::move(conn), shared->first, shared->second);
        } catch (const std::exception&) {
          // the client went away or stopped reading (EPIPE, ECONNRESET, a send timed out)
        }
      },
      shared->first.max_clients);
}

}  // namespace eventlet::backdoor
