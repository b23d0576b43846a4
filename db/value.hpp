// db::value: one bound parameter or one column of a row -- NULL, an integer, a float or text.
//
//   conn.execute("INSERT INTO t VALUES ($1, $2, $3)", {42, "text", db::null});
//
// Integers (and booleans) are std::int64_t, floats double, text and blobs std::string (bytes,
// not necessarily UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace eventlet::db {

using value = std::variant<std::monostate, std::int64_t, double, std::string>;

// null is the NULL value: db::value(db::null).
inline constexpr std::monostate null{};

// is_null() tells whether `v` is NULL.
inline bool is_null(const value& v) noexcept { return v.index() == 0; }

}  // namespace eventlet::db
