// db::row: one row of a result, with typed access to its columns.
//
//   std::int64_t id = row.get<std::int64_t>(0);
//   std::optional<std::string> name = row.get<std::optional<std::string>>(1);  // NULL: nullopt
//
// get<T>() reads integers as any integral type or bool (checked for range), floats as double
// (integers too), text as std::string; std::optional<T> reads NULL as nullopt.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../base/export.hpp"
#include "value.hpp"

namespace eventlet::db {

class EVENTLET_API row {
 public:
  explicit row(std::vector<value> cells) : cells_(std::move(cells)) {}

  // size() is the number of columns.
  std::size_t size() const noexcept { return cells_.size(); }

  // operator[] is column `i`'s value. Throws std::out_of_range past the last column.
  const value& operator[](std::size_t i) const { return at(i); }

  // is_null() tells whether column `i` is NULL. Throws std::out_of_range past the last column.
  bool is_null(std::size_t i) const { return db::is_null(at(i)); }

  // get<T>() is column `i` as T (see above). Throws std::out_of_range past the last column or
  // for an integer T cannot hold, std::invalid_argument for NULL (unless T is std::optional)
  // or a value of another kind (text read as a number).
  template <typename T>
  T get(std::size_t i) const {
    if constexpr (is_optional<T>::value) {
      if (is_null(i)) return std::nullopt;
      return get<typename T::value_type>(i);
    } else if constexpr (std::is_same_v<T, bool>) {
      return integer(i, 0, 1) != 0;
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(integer(i, static_cast<std::int64_t>(std::numeric_limits<T>::min()),
                                    static_cast<std::int64_t>(std::min<std::uint64_t>(
                                        std::numeric_limits<T>::max(), INT64_MAX))));
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(floating(i));
    } else {
      static_assert(std::is_same_v<T, std::string>,
                    "get<T>: T is an integer, a float, "
                    "std::string or a std::optional of one");
      return text(i);
    }
  }

 private:
  template <typename T>
  struct is_optional : std::false_type {};
  template <typename T>
  struct is_optional<std::optional<T>> : std::true_type {};

  const value& at(std::size_t i) const;
  std::int64_t integer(std::size_t i, std::int64_t min, std::int64_t max) const;
  double floating(std::size_t i) const;
  std::string text(std::size_t i) const;

  std::vector<value> cells_;
};

}  // namespace eventlet::db
