// The messages the parser tests share, one or more per rule of the parser (http/parser.hpp,
// http/chunked.hpp), each with the status reading it ends in: the rule tests check that
// status, the split-invariance test reads each message whole and in pieces, and the Beast
// differential compares each with Boost.Beast's verdict.
#pragma once

#include <string>
#include <vector>

namespace http_tests {

// A request stream (one or more requests with their bodies) and the status a server's reading
// of it ends in: 0 if every message in it is read whole, else the parse_error's status.
struct request_case {
  const char* rule;
  std::string bytes;
  int status;
};

// A response stream read as the answer to a request with `method`, and the status its
// reading ends in (0, or the parse_error's status).
struct response_case {
  const char* rule;
  const char* method;
  std::string bytes;
  int status;
};

const std::vector<request_case>& request_cases();
const std::vector<response_case>& response_cases();

}  // namespace http_tests
