// web_chat in a real browser: headless Chromium loads the page, which connects to the
// WebSocket, sends a message and shows it relayed back; a WebSocket client of our own sees the
// same message relayed to it.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "example.hpp"
#include "http/client.hpp"
#include "http/websocket_connect.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

namespace {

constexpr const char* chromium = "/usr/bin/chromium";

// What `chromium --dump-dom url` prints: the page's DOM once its scripts have run, in virtual
// time (without the virtual-time flags it dumps before the WebSocket round trip).
std::string dump_dom(const std::string& url) {
  char profile[] = "/tmp/eventlet-chromium-XXXXXX";
  REQUIRE(mkdtemp(profile));
  auto [out, out_write] = green::pipe();
  const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  example_tests::process browser(
      chromium,
      {"--headless=new", "--no-sandbox", "--disable-gpu", std::string("--user-data-dir=") + profile,
       "--virtual-time-budget=10000", "--run-all-compositor-stages-before-draw", "--dump-dom", url},
      out_write.fileno(), null);
  close(null);
  out_write.close();
  out.set_timeout(120);  // a guard against a hang, not a timing check
  std::string dom;
  for (std::string piece; !(piece = out.read(65536)).empty();) dom += piece;
  const int status = browser.wait();
  std::filesystem::remove_all(profile);
  CHECK(WIFEXITED(status));
  return dom;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "web_chat: the page, and a message relayed in headless Chromium") {
  example server("WEB_CHAT");
  const std::string base = "http://" + server.where().to_string();

  http::client c;
  const http::buffered_response page = c.get(base + "/");
  CHECK(page.status == 200);
  CHECK(page.headers.get("content-type") == "text/html; charset=utf-8");
  CHECK(page.body.find("new WebSocket(") != std::string::npos);
  CHECK(c.get(base + "/nothing").status == 404);

  if (access(chromium, X_OK) != 0) {
    MESSAGE("chromium is not installed (Debian package chromium): the browser part is skipped");
    return;
  }
  http::websocket watcher = http::connect_websocket("ws://" + server.where().to_string() + "/chat");
  watcher.set_timeout(120);
  // Chromium's virtual time runs ahead while the page waits on a WebSocket (only fetches hold
  // it), so on a loaded machine (a sanitizer build) it may dump the page before the relayed
  // message is back: then it loads the page again, up to three times.
  std::string dom, said;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    said = "hello-from-chromium-on-" + std::string(hub.name()) + "-" + std::to_string(attempt);
    dom = dump_dom(base + "/?say=" + said);
    const auto relayed = watcher.receive();  // every attempt's message reaches the watcher
    REQUIRE(relayed);
    CHECK(relayed->data == said);
    if (dom.find("<li>" + said + "</li>") != std::string::npos) break;
    MESSAGE("Chromium dumped the page before the relayed message came back; loading it again");
  }
  CHECK(dom.find("data-state=\"open\"") != std::string::npos);
  CHECK_MESSAGE(dom.find("<li>" + said + "</li>") != std::string::npos, dom);
  watcher.close();
}
