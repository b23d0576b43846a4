// db::error: what a database said went wrong, with its code and message.
//
//   try { conn.execute("SELECT * FROM missing"); }
//   catch (const db::error& e) { e.code() == "42P01"; e.message(); }
//
// code() is the server's code: the SQLSTATE for PostgreSQL ("23505" for a unique violation,
// "57014" for a cancelled query, "08006" for a lost connection), the extended result code's
// number for SQLite ("2067" for a unique violation, "5" for busy).
#pragma once

#include <stdexcept>
#include <string>

#include "../base/export.hpp"

namespace eventlet::db {

class EVENTLET_API error : public std::runtime_error {
 public:
  // error() is the server's `code` and `message`; what() is "code: message".
  error(std::string code, std::string message)
      : std::runtime_error(code + ": " + message),
        code_(std::move(code)),
        message_(std::move(message)) {}

  // code() is the server's code for the error (see above).
  const std::string& code() const noexcept { return code_; }

  // message() is the server's message, without the code.
  const std::string& message() const noexcept { return message_; }

 private:
  std::string code_;
  std::string message_;
};

}  // namespace eventlet::db
