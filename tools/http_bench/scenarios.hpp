// The scenarios http_bench loads each server in, with issue 12's targets.
#pragma once

namespace http_bench {

struct scenario {
  const char* name;
  const char* path;  // the request-target
  int connections;   // wrk's
  bool close;        // each request says "Connection: close" (a connection per request)
  double target;     // the server CPU per request aimed at, over the raw responder's
};

inline constexpr scenario scenarios[] = {
    {"hello", "/", 100, false, 1.5},
    {"hello-c1000", "/", 1000, false, 1.8},
    {"close", "/", 50, true, 1.2},
    {"16k", "/16k", 100, false, 1.5},
};

}  // namespace http_bench
