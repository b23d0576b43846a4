// db_demo: runs one query N times from N greenthreads through a pool of P connections, then
// prints the wall time and the pool's statistics (eventlet.db_pool's use in one screen).
//
//   db_demo [--postgres CONNINFO] [--concurrency N] [--pool P] [--query SQL]
//
//   --postgres CONNINFO  a libpq connection string (else SQLite, in memory)
//   --concurrency N      how many greenthreads run the query, once each (default 10)
//   --pool P             the pool's max_size (default 10)
//   --query SQL          the query (default SELECT 1)
//
// It exits with 0 when every query succeeded, 1 with the first error on stderr otherwise, 2 with
// the usage for a bad command line. EVENTLET_HUB picks the hub.
//
//   build/tools/examples/db_demo --postgres 'host=/run/postgresql user=postgres'
//       --concurrency 50 --pool 10 --query 'SELECT pg_sleep(0.2)'    # about 1 s (one line)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "db/pool.hpp"
#include "db/sqlite.hpp"
#include "eventlet.hpp"
#ifdef EVENTLET_DB_POSTGRES
#include "db/postgres.hpp"
#endif

using namespace eventlet;

namespace {

// count() reads a positive count given for `name`.
int count(const examples::command_line& args, const std::string& name, int fallback) {
  const std::string text = args.value(name, std::to_string(fallback));
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < 1 || n > 100000)
    args.fail(name + " '" + text + "' is not a count (1..100000)");
  return static_cast<int>(n);
}

}  // namespace

int main(int argc, char** argv) {
  const examples::command_line args(
      argc, argv, "db_demo [--postgres CONNINFO] [--concurrency N] [--pool P] [--query SQL]",
      {"--postgres", "--concurrency", "--pool", "--query"});
  const int concurrency = count(args, "--concurrency", 10);
  const int size = count(args, "--pool", 10);
  const std::string query = args.value("--query", "SELECT 1");
  const std::string conninfo = args.value("--postgres", "");
  try {
    db::connector connect = db::sqlite_connector(":memory:");
    if (!conninfo.empty()) {
#ifdef EVENTLET_DB_POSTGRES
      connect = db::postgres_connector(conninfo);
#else
      args.fail("--postgres: this build has no PostgreSQL driver (libpq-dev was not found)");
#endif
    }
    db::pool pool(connect, {.max_size = static_cast<std::size_t>(size)});
    std::exception_ptr first_error;
    const double start = hubs::get_hub().clock();
    std::vector<greenthread<void>> runs;
    for (int i = 0; i < concurrency; ++i)
      runs.push_back(spawn([&] {
        try {
          pool.checkout()->execute(query);
        } catch (const std::exception&) {
          if (!first_error) first_error = std::current_exception();
        }
      }));
    for (auto& r : runs) r.wait();
    const double wall = hubs::get_hub().clock() - start;
    const db::pool_stats s = pool.stats();
    std::printf("%d x %s through a pool of %d (%s): %.3f s\n", concurrency, query.c_str(), size,
                conninfo.empty() ? "SQLite in memory" : "PostgreSQL", wall);
    std::printf("pool: size %zu, idle %zu, waiting %zu, created %llu, discarded %llu\n", s.size,
                s.idle, s.waiting, static_cast<unsigned long long>(s.created),
                static_cast<unsigned long long>(s.discarded));
    if (first_error) std::rethrow_exception(first_error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "db_demo: %s\n", e.what());
    return 1;
  }
  return 0;
}
