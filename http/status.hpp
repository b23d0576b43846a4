// The reason phrases of HTTP status codes (RFC 9110 §15), what a response's status line says
// when its handler gives none.
#pragma once

#include <string_view>

#include "../base/export.hpp"

namespace eventlet::http {

// reason_phrase() is the reason phrase RFC 9110 registers for `status` ("Not Found" for 404),
// or "" for a code it does not name.
EVENTLET_API std::string_view reason_phrase(int status) noexcept;

}  // namespace eventlet::http
