// The libcurl proof: 50 greenthreads each make a blocking curl_easy_perform() against a local
// HTTP server that answers after 200 ms; with libeventlet_patch the batch takes about one
// request's time, not 50. The server runs on threads of its own, which have no hub (their
// calls are the C library's).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"

using hub_tests::hub_test;
using namespace patch_tests;

namespace {

// A server that answers every request after `delay` seconds, a thread per connection.
struct slow_server {
  owned_fd listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port = 0;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::thread acceptor;

  explicit slow_server(double delay) {
    port = ntohs(listen_loopback(listener, 256).sin_port);
    acceptor = std::thread([this, delay] {
      for (;;) {
        const int c = ::accept(listener, nullptr, nullptr);
        if (c < 0 || stopping) {
          if (c >= 0) ::close(c);
          return;
        }
        threads.emplace_back([c, delay] { answer(c, delay); });
      }
    });
  }

  static void answer(int c, double delay) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, std::size_t(n));
    }
    ::usleep(useconds_t(delay * 1e6));
    const std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    (void)!::write(c, reply.data(), reply.size());
    ::close(c);
  }

  ~slow_server() {
    stopping = true;
    owned_fd wake(::socket(AF_INET, SOCK_STREAM, 0));  // unblocks accept()
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(std::uint16_t(port));
    (void)::connect(wake, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    acceptor.join();
    for (auto& t : threads) t.join();
  }
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One blocking GET with libcurl's easy interface; the body, or the error's text.
std::string get(const std::string& url) {
  CURL* curl = curl_easy_init();
  REQUIRE(curl);
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  return rc == CURLE_OK ? body : curl_easy_strerror(rc);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "curl: 50 blocking curl_easy_perform() in greenthreads take one request's time") {
  REQUIRE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
  {
    slow_server server(0.2);
    const std::string numeric = "http://127.0.0.1:" + std::to_string(server.port) + "/";
    const std::string named = "http://localhost:" + std::to_string(server.port) + "/";
    const double start = eventlet::hubs::hub::clock();
    std::vector<eventlet::greenthread<std::string>> all;
    for (int i = 0; i < 50; ++i) all.push_back(eventlet::spawn(get, i == 0 ? named : numeric));
    for (auto& gt : all) CHECK(gt.wait() == "hello");
    const double took = eventlet::hubs::hub::clock() - start;
    MESSAGE("50 requests of 0.2 s each through libcurl in greenthreads: "
            << took << " s (one after another: 10 s)");
    CHECK(took < 2.0);
  }
  curl_global_cleanup();
}
