// unix_exchange(): one request and the start of its answer over a Unix socket, for the fixtures'
// readiness checks.
#pragma once

#include <string>

namespace test_support::servers {

// unix_exchange() connects to `path`, sends `request` (if any) and returns the first bytes
// received (at most 256; waits at most 1 s); empty if it cannot connect or nothing comes.
std::string unix_exchange(const std::string& path, const std::string& request);

}  // namespace test_support::servers
