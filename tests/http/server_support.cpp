#include "server_support.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "../green/helpers.hpp"
#include "coros/timeout.hpp"
#include "http/chunked.hpp"
#include "http/parser.hpp"

extern char** environ;

using namespace eventlet;
using green_tests::read_all;

namespace server_tests {

http::server_options quick_options() {
  http::server_options o;
  o.header_timeout = o.idle_timeout = o.body_timeout = o.send_timeout = 5;
  return o;
}

running_server::running_server(http::handler h, http::server_options options)
    : listener(green::listen({"127.0.0.1", 0})),
      where(listener.getsockname()),
      server(listener, std::move(h), std::move(options)),
      serving(spawn([this] { server.serve(); })) {}

running_server::running_server(green::tls_listener& tls, http::handler h,
                               http::server_options options)
    : where(tls.getsockname()),
      server(tls, std::move(h), std::move(options)),
      serving(spawn([this] { server.serve(); })) {}

running_server::~running_server() {
  server.shutdown(0);
  serving.wait();
}

std::string running_server::url(std::string_view path) const {
  return "http://" + where.to_string() + std::string(path);
}

namespace {

// A socket pair whose first end is ours (green) and second the child's: blocking, as a
// program expects its standard streams to be.
std::pair<green::socket, int> child_pipe() {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) < 0)
    throw std::system_error(errno, std::generic_category(), "socketpair");
  return {green::socket::adopt(ends[0]), ends[1]};
}

}  // namespace

program_result run(const std::vector<std::string>& argv, std::string_view input) {
  auto [in, child_in] = child_pipe();
  auto [out, child_out] = child_pipe();
  auto [err, child_err] = child_pipe();
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_out, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_err, STDERR_FILENO);
  pid_t pid = -1;
  const int failed = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  for (const int fd : {child_in, child_out, child_err}) ::close(fd);
  if (failed) throw std::system_error(failed, std::generic_category(), "posix_spawnp");

  program_result result;
  try {
    for (green::socket* s : {&in, &out, &err}) s->set_timeout(30);
    auto feeding = spawn([&in = in, input] {
      try {
        in.sendall(input);
        in.shutdown(SHUT_WR);
      } catch (const std::system_error&) {
        // It exited without reading everything.
      }
    });
    auto errors = spawn([&err = err] { return read_all(err); });
    result.out = read_all(out);
    result.err = errors.wait();
    feeding.wait();
  } catch (...) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    throw;
  }
  // Its output has ended: it is exiting (or has closed its output and goes on: then it is
  // killed after 30 s).
  int status = 0;
  for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; ++waited) {
    if (waited == 3000) kill(pid, SIGKILL);
    eventlet::sleep(0.01);
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

raw_client::raw_client(const green::address& server) : socket_(green::connect(server, 10)) {
  socket_.set_timeout(10);
}

void raw_client::send(std::string_view bytes) { socket_.sendall(bytes); }

parsed_response raw_client::response(std::string_view method) {
  http::response_parser parser;
  std::size_t size;
  auto more = [this] {
    const std::string piece = socket_.recv(64 * 1024);
    if (piece.empty()) throw std::runtime_error("the server closed the connection");
    buffered_ += piece;
  };
  while ((size = parser.parse(buffered_, method)) == 0) more();
  http::response_head& head = parser.head();
  parsed_response r{head.status, head.fields, {}, head.keep_alive};
  buffered_.erase(0, size);
  switch (head.body) {
    case http::body_kind::none:
      break;
    case http::body_kind::length:
      while (buffered_.size() < head.content_length) more();
      r.body = buffered_.substr(0, head.content_length);
      buffered_.erase(0, head.content_length);
      break;
    case http::body_kind::chunked: {
      http::chunked_decoder decoder;
      while (!decoder.done()) {
        const auto step = decoder.decode(buffered_);
        r.body += step.data;
        buffered_.erase(0, step.consumed);
        if (step.consumed == 0) more();
      }
      break;
    }
    case http::body_kind::until_close:
      r.body = buffered_ + rest();
      buffered_.clear();
      break;
  }
  return r;
}

std::string raw_client::rest() {
  std::string out = std::move(buffered_);
  buffered_.clear();
  return out + read_all(socket_);
}

bool raw_client::closed() {
  try {
    return buffered_.empty() && socket_.recv(1).empty();
  } catch (const std::system_error& e) {
    return e.code().value() == ECONNRESET;
  }
}

parsed_response round_trip(const green::address& server, std::string_view request) {
  raw_client c(server);
  c.send(request);
  return c.response(request.substr(0, request.find(' ')));
}

}  // namespace server_tests
