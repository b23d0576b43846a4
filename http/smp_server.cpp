// Each thread of an smp_server runs an http::server on its listener; stopping it runs that
// server's shutdown() in a greenthread of the thread (a stop must not block).
#include "smp_server.hpp"

#include <memory>
#include <utility>

#include "../coros/greenthread.hpp"

namespace eventlet::http {

smp_server::smp_server(const green::address& local, handler h, server_options options, int threads,
                       int backlog)
    : threads_(local, threads, backlog,
               [h = std::move(h), options](smp::listener_threads&, int, green::socket& listener) {
                 const auto s = std::make_shared<server>(listener, h, options);
                 return smp::thread_service{
                     [s] { s->serve(); },
                     [s](double grace) { spawn([s, grace] { s->shutdown(grace); }); }};
               }) {}

void serve(const green::address& local, handler h, server_options options, int threads) {
  smp_server s(local, std::move(h), options, threads);
  s.wait();
}

}  // namespace eventlet::http
