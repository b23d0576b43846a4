// Starting a server on a free port, waiting until it listens, reading its CPU time.
#include "server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "process.hpp"

namespace http_bench {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A port on 127.0.0.1 that nothing listens on: one the kernel picks, let go again.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(0);
  socklen_t length = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) < 0) {
    const int error = errno;
    if (fd >= 0) close(fd);
    throw std::system_error(error, std::generic_category(), "a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// Whether something accepts connections on 127.0.0.1:`port`.
bool accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in addr = loopback(port);
  const bool ok =
      fd >= 0 && connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

std::string with_port(std::string command, int port) {
  const std::string mark = "{port}", value = std::to_string(port);
  for (std::size_t at; (at = command.find(mark)) != std::string::npos;)
    command.replace(at, mark.size(), value);
  return command;
}

}  // namespace

server::server(const std::string& command, int cpu) : port_(free_port()) {
  const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  try {
    pid_ = spawn_pinned({"/bin/sh", "-c", "exec " + with_port(command, port_)}, cpu, null, -1);
  } catch (...) {
    close(null);
    throw;
  }
  close(null);
  wait_listening();
}

server::~server() {
  if (pid_ > 0) stop_child(pid_);
}

void server::wait_listening() {
  int status;
  for (const double give_up = now() + 10; !accepts(port_);) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("it exited (" + describe_status(status) +
                               ") before it listened on port " + std::to_string(port_));
    }
    if (now() > give_up)
      throw std::runtime_error("it did not listen on port " + std::to_string(port_) +
                               " within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

double server::cpu_seconds() const {
  clockid_t clock;
  timespec t;
  if (clock_getcpuclockid(pid_, &clock) != 0 || clock_gettime(clock, &t) != 0) return 0;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

std::string server::stop() {
  int status;
  std::string failure;
  if (waitpid(pid_, &status, WNOHANG) == pid_)
    failure = "it exited while loaded (" + describe_status(status) + ")";
  else
    stop_child(pid_);
  pid_ = -1;
  return failure;
}

}  // namespace http_bench
