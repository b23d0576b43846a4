// The server's access log: one access_entry per request, handed to a callable the options
// name (server.hpp: server_options::access_log; none by default: no log). access_format turns
// an entry into a line as eventlet.wsgi's log_format does:
//
//   opts.access_log = [format = http::access_format()](const http::access_entry& e) {
//     eventlet::log(eventlet::log_level::info, format(e));
//   };
//   // 127.0.0.1 - - [06/Nov/2024 08:49:37] "GET / HTTP/1.1" 200 5 0.000081
//
// A format is text with %(name)s, %(name)d or %(name).Nf fields (and %% for a percent sign),
// the names being client_ip, client_port, date_time (UTC, "06/Nov/2024 08:49:37"),
// request_line, method, target, status_code, body_length and wall_seconds.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"
#include "../green/address.hpp"

namespace eventlet::http {

// What the server knows of a request once it has answered it. The views are valid during the
// call to the access log only.
struct access_entry {
  const green::address& client;  // the peer's address
  std::string_view method;
  std::string_view target;
  int minor_version;  // HTTP/1.<minor_version>
  int status;
  std::uint64_t body_length;  // bytes of response body sent (without chunk framing)
  double wall_seconds;        // from the request's first byte to the end of its response
  std::time_t time;           // when the request's first byte came
};

// eventlet.wsgi's default log_format.
inline constexpr std::string_view default_access_format =
    "%(client_ip)s - - [%(date_time)s] \"%(request_line)s\" %(status_code)s %(body_length)s "
    "%(wall_seconds).6f";

class EVENTLET_API access_format {
 public:
  // access_format() reads `format`. Throws std::invalid_argument for an unknown name, a
  // conversion other than s, d or f (with an optional .N precision, N < 10), or a '%' that
  // begins none of these.
  explicit access_format(std::string_view format = default_access_format);
  // operator() formats `e`.
  std::string operator()(const access_entry& e) const;

 private:
  enum class field : unsigned char {
    literal,
    client_ip,
    client_port,
    date_time,
    request_line,
    method,
    target,
    status_code,
    body_length,
    wall_seconds
  };
  struct piece {
    field what;
    char conversion;   // 's', 'd' or 'f'
    int precision;     // for 'f'; -1: the default (6)
    std::string text;  // for field::literal
  };
  std::vector<piece> pieces_;
};

}  // namespace eventlet::http
