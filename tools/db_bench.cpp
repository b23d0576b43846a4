// db_bench: SELECT 1 round trips per second through the green PostgreSQL driver (db/postgres),
// beside plain blocking libpq (PQexecParams in a loop) measured in the same run, on one
// connection; then through 10 connections from 10 greenthreads. It prints figures, asserts
// nothing.
//
//   db_bench [--postgres CONNINFO] [--seconds S]
//
// Without --postgres it starts a PostgreSQL of its own (the tests' fixture,
// tests/support/servers) in a temporary directory. Each figure is the median of 5 rounds of
// S/5 seconds (S: 5 by default), the rounds of the two drivers alternating.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/postgres.hpp"
#include "eventlet.hpp"
#ifdef EVENTLET_DB_BENCH_FIXTURE
#include "postgres.hpp"
#endif

using namespace eventlet;

namespace {

double now() { return hubs::get_hub().clock(); }

// rate() runs `once` (one round trip each call, `width` at a time) for `seconds` and returns
// round trips per second.
template <typename F>
double rate(F once, double seconds) {
  const double start = now();
  long n = 0;
  while (now() - start < seconds) {
    once();
    ++n;
  }
  return n / (now() - start);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double blocking_round(PGconn* c, double seconds) {
  return rate(
      [c] {
        PGresult* r = PQexecParams(c, "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
          std::fprintf(stderr, "db_bench: %s", PQerrorMessage(c));
          std::exit(1);
        }
        PQclear(r);
      },
      seconds);
}

double green_round(db::connection& c, double seconds) {
  return rate([&c] { c.execute("SELECT 1"); }, seconds);
}

// wide_round() runs 10 greenthreads, each on its own connection, for `seconds`; returns their
// round trips per second together.
double wide_round(std::vector<std::unique_ptr<db::connection>>& conns, double seconds) {
  long total = 0;
  const double start = now();
  std::vector<greenthread<void>> runners;
  for (auto& c : conns)
    runners.push_back(spawn([&total, &c, start, seconds] {
      while (now() - start < seconds) {
        c->execute("SELECT 1");
        ++total;
      }
    }));
  for (auto& r : runners) r.wait();
  return total / (now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string conninfo;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--postgres")
      conninfo = argv[i + 1];
    else if (name == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else
      argc = 0;
  }
  if (argc % 2 == 0 || !(seconds > 0)) {
    std::fprintf(stderr, "usage: db_bench [--postgres CONNINFO] [--seconds S]\n");
    return 2;
  }
  try {
#ifdef EVENTLET_DB_BENCH_FIXTURE
    std::optional<test_support::servers::postgres> server;
    if (conninfo.empty()) {
      server.emplace();
      conninfo = server->conninfo();
    }
#endif
    if (conninfo.empty()) throw std::runtime_error("--postgres CONNINFO is required");
    PGconn* plain = PQconnectdb(conninfo.c_str());
    if (PQstatus(plain) != CONNECTION_OK)
      throw std::runtime_error(std::string("libpq: ") + PQerrorMessage(plain));
    auto green = db::postgres_connect(conninfo, 10);
    std::vector<std::unique_ptr<db::connection>> ten;
    for (int i = 0; i < 10; ++i) ten.push_back(db::postgres_connect(conninfo, 10));
    const double round = seconds / 5;
    std::vector<double> blocking, one, wide;
    blocking_round(plain, round / 4);  // warm up both
    green_round(*green, round / 4);
    for (int i = 0; i < 5; ++i) {
      blocking.push_back(blocking_round(plain, round));
      one.push_back(green_round(*green, round));
      wide.push_back(wide_round(ten, round));
    }
    PQfinish(plain);
    const double b = median(blocking), g = median(one), w = median(wide);
    std::printf("SELECT 1 round trips per second (hub %s, median of 5 rounds of %.1f s)\n",
                std::string(hubs::get_hub().name()).c_str(), round);
    std::printf("  blocking libpq, 1 connection:   %9.0f\n", b);
    std::printf("  green driver, 1 connection:     %9.0f  (%.2fx blocking)\n", g, g / b);
    std::printf("  green driver, 10 connections:   %9.0f  (%.2fx blocking)\n", w, w / b);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "db_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
