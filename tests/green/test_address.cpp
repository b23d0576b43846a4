// address: IPv4, IPv6 and Unix-domain values, parsing, printing, and clear errors.
#include <netinet/in.h>
#include <sys/un.h>

#include <stdexcept>
#include <string>

#include "../support/fixture.hpp"
#include "../support/refusal.hpp"
#include "green/address.hpp"

using eventlet::green::address;
using hub_tests::hub_test;
using test_support::refusal;

TEST_CASE_FIXTURE(hub_test, "address: IPv4 from host and port, printed back") {
  const address a("127.0.0.1", 8080);
  CHECK(a.family() == AF_INET);
  CHECK(a.host() == "127.0.0.1");
  CHECK(a.port() == 8080);
  CHECK(a.to_string() == "127.0.0.1:8080");
  CHECK(a.size() == sizeof(sockaddr_in));
}

TEST_CASE_FIXTURE(hub_test, "address: IPv6 from host and port, printed in brackets") {
  const address a("::1", 80);
  CHECK(a.family() == AF_INET6);
  CHECK(a.to_string() == "[::1]:80");
  CHECK(address("fe80::1%1", 5).host().starts_with("fe80::1%"));
}

TEST_CASE_FIXTURE(hub_test, "address: an empty host means any IPv4 address, as in Python") {
  CHECK(address("", 3000).to_string() == "0.0.0.0:3000");
}

TEST_CASE_FIXTURE(hub_test, "address: parse reads host:port and [v6]:port") {
  CHECK(address::parse("10.1.2.3:65535") == address("10.1.2.3", 65535));
  CHECK(address::parse("[::1]:8080") == address("::1", 8080));
  CHECK(address::parse("[::ffff:127.0.0.1]:1").family() == AF_INET6);
}

TEST_CASE_FIXTURE(hub_test, "address: Unix paths, abstract names, and the empty address") {
  const address path = address::unix_path("/tmp/x.sock");
  CHECK(path.family() == AF_UNIX);
  CHECK(path.to_string() == "/tmp/x.sock");
  CHECK(path.port() == 0);
  const address abstract = address::unix_path(std::string("\0name", 5));
  CHECK(abstract.to_string() == "@name");
  CHECK(abstract.host() == std::string("\0name", 5));
  const address empty;
  CHECK(empty.family() == AF_UNSPEC);
  CHECK(empty.to_string() == "");
  CHECK(empty == address());
}

TEST_CASE_FIXTURE(hub_test, "address: equality compares family, host and port") {
  CHECK(address("1.2.3.4", 5) == address("1.2.3.4", 5));
  CHECK_FALSE(address("1.2.3.4", 5) == address("1.2.3.4", 6));
  CHECK_FALSE(address("::1", 5) == address("127.0.0.1", 5));
}

TEST_CASE_FIXTURE(hub_test, "address: a host name is refused, pointing to resolve()") {
  const std::string why = refusal([] { address("localhost", 80); });
  CHECK(why.find("'localhost' is not a numeric IP address") != std::string::npos);
  CHECK(why.find("green::resolve()") != std::string::npos);
  CHECK(refusal([] { address("127.1", 80); }) != "");  // inet_aton's short forms are not taken
}

TEST_CASE_FIXTURE(hub_test, "address: malformed host:port strings are refused, saying why") {
  CHECK(refusal([] { address::parse("127.0.0.1"); }).find("no port") != std::string::npos);
  CHECK(refusal([] { address::parse("127.0.0.1:65536"); }).find("0 to 65535") != std::string::npos);
  CHECK(refusal([] { address::parse("127.0.0.1:http"); }).find("'http'") != std::string::npos);
  CHECK(refusal([] { address::parse("::1:80"); }).find("brackets") != std::string::npos);
  CHECK(refusal([] { address::parse("[::1]80"); }) != "");
  CHECK(refusal([] { address::parse("[1.2.3.4]:80"); }).find("IPv6 hosts only") !=
        std::string::npos);
  CHECK(refusal([] { address("fe80::1%no-such-interface", 1); }).find("scope") !=
        std::string::npos);
  CHECK(refusal([] { address("127.0.0.1", 65536); }).find("0 to 65535") != std::string::npos);
  CHECK(refusal([] { address("127.0.0.1", -1); }).find("0 to 65535") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "address: bad Unix paths are refused") {
  CHECK(refusal([] { address::unix_path(""); }).find("empty") != std::string::npos);
  CHECK(refusal([] { address::unix_path(std::string(200, 'x')); }).find("longer") !=
        std::string::npos);
  CHECK(refusal([] { address::unix_path(std::string("a\0b", 3)); }).find("NUL") !=
        std::string::npos);
}
