#include "row.hpp"

namespace eventlet::db {

namespace {

const char* kind(const value& v) {
  static const char* const names[] = {"NULL", "an integer", "a float", "text"};
  return names[v.index()];
}

[[noreturn]] void wrong_kind(std::size_t i, const value& v, const char* wanted) {
  std::string what =
      "db::row::get: column " + std::to_string(i) + " is " + kind(v) + ", not " + wanted;
  if (is_null(v)) what += " (read it as a std::optional)";
  throw std::invalid_argument(what);
}

}  // namespace

const value& row::at(std::size_t i) const {
  if (i >= cells_.size())
    throw std::out_of_range("db::row: column " + std::to_string(i) + " of a row of " +
                            std::to_string(cells_.size()));
  return cells_[i];
}

std::int64_t row::integer(std::size_t i, std::int64_t min, std::int64_t max) const {
  const value& v = at(i);
  const auto* n = std::get_if<std::int64_t>(&v);
  if (!n) wrong_kind(i, v, "an integer");
  if (*n < min || *n > max)
    throw std::out_of_range("db::row::get: column " + std::to_string(i) + "'s value " +
                            std::to_string(*n) + " does not fit the type asked for");
  return *n;
}

double row::floating(std::size_t i) const {
  const value& v = at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  wrong_kind(i, v, "a number");
}

std::string row::text(std::size_t i) const {
  const value& v = at(i);
  const auto* s = std::get_if<std::string>(&v);
  if (!s) wrong_kind(i, v, "text");
  return *s;
}

}  // namespace eventlet::db
