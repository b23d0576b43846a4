#include "access_log.hpp"

#include <cstdio>
#include <stdexcept>
#include <utility>

namespace eventlet::http {

namespace {

constexpr std::pair<std::string_view, int> names[] = {
    {"client_ip", 1}, {"client_port", 2}, {"date_time", 3},   {"request_line", 4}, {"method", 5},
    {"target", 6},    {"status_code", 7}, {"body_length", 8}, {"wall_seconds", 9},
};

[[noreturn]] void refuse(std::string_view format, std::string_view why) {
  throw std::invalid_argument("http::access_format: " + std::string(why) + " in \"" +
                              std::string(format) + "\"");
}

// "06/Nov/2024 08:49:37", in UTC.
std::string date_time(std::time_t t) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::snprintf(text, sizeof text, "%02d/%s/%04d %02d:%02d:%02d", tm.tm_mday, months[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

}  // namespace

access_format::access_format(std::string_view format) {
  std::string literal;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      literal += format[i];
      continue;
    }
    if (format.substr(i, 2) == "%%") {
      literal += '%';
      ++i;
      continue;
    }
    if (format.substr(i, 2) != "%(") refuse(format, "a '%' that begins no %(name) field");
    const std::size_t close = format.find(')', i);
    if (close == std::string_view::npos) refuse(format, "an unclosed %(");
    const std::string_view name = format.substr(i + 2, close - i - 2);
    field what = field::literal;
    for (const auto& [n, f] : names)
      if (n == name) what = static_cast<field>(f);
    if (what == field::literal) refuse(format, "an unknown name '" + std::string(name) + "'");
    std::size_t at = close + 1;
    int precision = -1;
    if (at + 1 < format.size() && format[at] == '.' && format[at + 1] >= '0' &&
        format[at + 1] <= '9') {
      precision = format[at + 1] - '0';
      at += 2;
    }
    const char conversion = at < format.size() ? format[at] : '\0';
    const bool number = what == field::client_port || what == field::status_code ||
                        what == field::body_length || what == field::wall_seconds;
    if (conversion != 's' && !(number && (conversion == 'd' || conversion == 'f')))
      refuse(format,
             "a conversion other than s (d or f for a number) after %(" + std::string(name) + ")");
    if (precision >= 0 && conversion != 'f') refuse(format, "a precision on a conversion but f");
    if (!literal.empty()) pieces_.push_back({field::literal, 's', -1, std::move(literal)});
    literal.clear();
    pieces_.push_back({what, conversion, precision, {}});
    i = at;
  }
  if (!literal.empty()) pieces_.push_back({field::literal, 's', -1, std::move(literal)});
}

std::string access_format::operator()(const access_entry& e) const {
  std::string out;
  char number[64];
  for (const piece& p : pieces_) {
    std::uint64_t integer = 0;
    switch (p.what) {
      case field::literal:
        out += p.text;
        continue;
      case field::client_ip:
        out += e.client.host();
        continue;
      case field::date_time:
        out += date_time(e.time);
        continue;
      case field::request_line:
        out.append(e.method).append(" ").append(e.target).append(" HTTP/1.");
        out += static_cast<char>('0' + e.minor_version);
        continue;
      case field::method:
        out += e.method;
        continue;
      case field::target:
        out += e.target;
        continue;
      case field::client_port:
        integer = e.client.port();
        break;
      case field::status_code:
        integer = static_cast<std::uint64_t>(e.status);
        break;
      case field::body_length:
        integer = e.body_length;
        break;
      case field::wall_seconds:
        integer = static_cast<std::uint64_t>(e.wall_seconds);
        break;
    }
    // Seconds as %s are written as %f is: Python's shortest form of a float reads worse.
    const bool real = p.conversion == 'f' || (p.what == field::wall_seconds && p.conversion == 's');
    if (!real) {
      out += std::to_string(integer);
      continue;
    }
    const double value =
        p.what == field::wall_seconds ? e.wall_seconds : static_cast<double>(integer);
    std::snprintf(number, sizeof number, "%.*f", p.precision < 0 ? 6 : p.precision, value);
    out += number;
  }
  return out;
}

}  // namespace eventlet::http
