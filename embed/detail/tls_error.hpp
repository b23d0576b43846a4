// What OpenSSL said about a TLS bufferevent's failure. Private to embed/.
#pragma once

#include <string>

struct bufferevent;

namespace eventlet::embed::detail {

// tls_error_of() is OpenSSL's message for `bev`'s last error, "" when it has none (or is no
// TLS bufferevent).
std::string tls_error_of(bufferevent* bev);

}  // namespace eventlet::embed::detail
