// HAProxy (HAPROXY: its path) in front of two http_hello processes, with health checks: under
// load, each backend in turn gets SIGTERM (and exits 0), HAProxy sees it down, it starts again
// on its port and HAProxy sees it up. No request may fail, and both backends serve. The
// configuration is docs/deployment.md's.
#include <fcntl.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "deployment.hpp"
#include "http/client.hpp"

using deployment_tests::load;
using deployment_tests::load_result;
using deployment_tests::temp_dir;
using example_tests::example;
using hub_tests::hub_test;
using namespace eventlet;

namespace {

// haproxy_config() is the configuration: the load balancer on `port`, its statistics page on
// `stats_port`, the backends on `backends`.
std::string haproxy_config(int port, int stats_port, const std::vector<int>& backends) {
  std::string config = R"(global
    maxconn 4096

defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    # A request that fails on one backend is tried again, up to 3 times, each time on
    # another backend (redispatch 1), whatever the failure: a refused connection (the
    # backend stopped listening), or a connection closed or reset with no response
    # (empty-response: the backend closed a kept-alive connection just as the request
    # went on it, or reset what its queue held when it closed its listener). GET is
    # idempotent, so this is safe; HAProxy keeps the request to send it again.
    retries 3
    option redispatch 1
    retry-on all-retryable-errors
    # Backend connections are kept alive and shared, but a client's first request never
    # goes on one (safe): a stopping backend closes its idle connections, and the retry
    # above covers the one that a request took just then.
    http-reuse safe

frontend web
    bind 127.0.0.1:)" + std::to_string(port) +
                       R"(
    default_backend hello

backend hello
    balance roundrobin
    # A backend is checked every 100 ms with a GET /: down after 2 failures (it stopped
    # listening), up again after 2 successes. A check may take 1 s (by default, as long as
    # inter), so that a backend slow under load is not taken for a stopped one.
    timeout check 1s
    option httpchk GET /
    http-check expect status 200
    default-server check inter 100ms fall 2 rise 2
)";
  for (std::size_t i = 0; i < backends.size(); ++i)
    config +=
        "    server s" + std::to_string(i + 1) + " 127.0.0.1:" + std::to_string(backends[i]) + "\n";
  config += R"(
listen stats
    bind 127.0.0.1:)" +
            std::to_string(stats_port) +
            R"(
    stats enable
    stats uri /
)";
  return config;
}

// A backend's row in HAProxy's statistics (CSV): its fields by name.
using stats_row = std::map<std::string, std::string>;

// server_stats() reads the statistics page at `where` and returns the row of backend
// `server` ("s1", "s2"); an empty row if there is none yet.
stats_row server_stats(const green::address& where, const std::string& server) {
  http::client c;
  std::istringstream csv(c.get("http://" + where.to_string() + "/;csv").body);
  auto fields = [](const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string f; std::getline(in, f, ',');) out.push_back(f);
    return out;
  };
  std::string line;
  std::getline(csv, line);
  const std::vector<std::string> names = fields(line.substr(2));  // "# pxname,svname,..."
  while (std::getline(csv, line)) {
    const std::vector<std::string> values = fields(line);
    if (values.size() < 2 || values[0] != "hello" || values[1] != server) continue;
    stats_row row;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) row[names[i]] = values[i];
    return row;
  }
  return {};
}

// wait_status() waits until HAProxy says backend `server` is `status` ("UP", "DOWN"),
// HAProxy's statistics page refusing connections meanwhile if it is just starting; false if
// that takes more than 20 s (a guard, not a timing check).
bool wait_status(const green::address& stats, const std::string& server,
                 const std::string& status) {
  for (int i = 0; i < 400; ++i) {
    try {
      if (server_stats(stats, server)["status"] == status) return true;
    } catch (const std::system_error& e) {
      if (e.code().value() != ECONNREFUSED) throw;
    }
    sleep(0.05);
  }
  return false;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "haproxy: each backend stopped and started again under load, no "
                  "request fails") {
  std::vector<std::unique_ptr<example>> backends;
  std::vector<std::string> ports;
  for (int i = 0; i < 2; ++i) {
    backends.push_back(std::make_unique<example>("HTTP_HELLO"));
    ports.push_back(std::to_string(backends.back()->where().port()));
  }
  const int port = deployment_tests::free_port();
  const int stats_port = deployment_tests::free_port();
  const green::address stats{"127.0.0.1", stats_port};
  temp_dir dir;
  const std::string config = (dir.path() / "haproxy.cfg").string();
  std::ofstream(config) << haproxy_config(port, stats_port,
                                          {std::stoi(ports[0]), std::stoi(ports[1])});
  // In the foreground (-db); what it says goes to a file, shown if the test fails.
  const std::string log = (dir.path() / "haproxy.log").string();
  green::fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  example_tests::process haproxy(example_tests::program("HAPROXY"), {"-db", "-f", config},
                                 log_fd.fileno(), log_fd.fileno());
  auto haproxy_said = [&log] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  INFO("haproxy said: " << haproxy_said());
  REQUIRE(wait_status(stats, "s1", "UP"));
  REQUIRE(wait_status(stats, "s2", "UP"));

  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  load kept_alive(url, {"-c8"});
  load one_per_request(url, {"-c8", "-H", "Connection: close"});
  sleep(0.5);
  for (int i = 0; i < 2; ++i) {
    const std::string server = "s" + std::to_string(i + 1);
    CHECK(example::exited_cleanly(backends[i]->stop()));
    CHECK(wait_status(stats, server, "DOWN"));
    sleep(0.3);  // the other backend alone
    backends[i] =
        std::make_unique<example>("HTTP_HELLO", std::vector<std::string>{"--port", ports[i]});
    CHECK(wait_status(stats, server, "UP"));
    sleep(0.3);
  }
  const load_result a = kept_alive.stop();
  const load_result b = one_per_request.stop();
  stats_row s1 = server_stats(stats, "s1"), s2 = server_stats(stats, "s2");
  MESSAGE("kept-alive clients: " << a.requests << " requests, one connection per request: "
                                 << b.requests << " requests; s1 answered " << s1["hrsp_2xx"]
                                 << " (retries " << s1["wretr"] << ", redispatched " << s1["wredis"]
                                 << "), s2 " << s2["hrsp_2xx"] << " (retries " << s2["wretr"]
                                 << ", redispatched " << s2["wredis"] << ")");
  INFO(a.text);
  INFO(b.text);
  CHECK(!a.failed());
  CHECK(!b.failed());
  CHECK(std::stol(s1["hrsp_2xx"]) > 0);
  CHECK(std::stol(s2["hrsp_2xx"]) > 0);
  CHECK(s1["chkdown"] == "1");  // each went down once, and came back
  CHECK(s2["chkdown"] == "1");
}
