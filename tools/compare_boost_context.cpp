// Raw jump round trip of Boost.Context's jump_fcontext beside eventlet_jump_context, measured in
// alternating rounds of the same process so machine noise hits both alike. Built only when
// libboost-context-dev is installed.
#include <algorithm>
#include <boost/context/detail/fcontext.hpp>
#include <cstdio>
#include <vector>

#include "bench.hpp"
#include "greenlet/context.hpp"

namespace bc = boost::context::detail;

namespace {

void boost_echo(bc::transfer_t t) {
  for (;;) t = bc::jump_fcontext(t.fctx, t.data);
}

void eventlet_echo(eventlet_transfer t) {
  for (;;) t = eventlet_jump_context(t.from, t.data);
}

alignas(16) char boost_stack[64 * 1024];
alignas(16) char eventlet_stack[64 * 1024];

}  // namespace

int main() {
  bc::fcontext_t b =
      bc::make_fcontext(boost_stack + sizeof boost_stack, sizeof boost_stack, &boost_echo);
  eventlet_context e = eventlet_make_context(eventlet_stack + sizeof eventlet_stack,
                                             sizeof eventlet_stack, &eventlet_echo);
  std::vector<double> boost_ns, eventlet_ns, boost_cy, eventlet_cy;
  for (int round = 0; round < 9; ++round) {
    const bench::figure fb = bench::measure(
        [&](std::uint64_t n) {
          for (std::uint64_t i = 0; i < n; ++i) b = bc::jump_fcontext(b, nullptr).fctx;
        },
        3);
    const bench::figure fe = bench::measure(
        [&](std::uint64_t n) {
          for (std::uint64_t i = 0; i < n; ++i) e = eventlet_jump_context(e, nullptr).from;
        },
        3);
    boost_ns.push_back(fb.ns);
    eventlet_ns.push_back(fe.ns);
    boost_cy.push_back(fb.cycles);
    eventlet_cy.push_back(fe.cycles);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("%-44s %10s %12s\n", "raw jump round trip (two jumps)", "ns", "TSC cycles");
  std::printf("%-44s %10.2f %12.1f\n", "Boost.Context jump_fcontext", median(boost_ns),
              median(boost_cy));
  std::printf("%-44s %10.2f %12.1f\n", "eventlet_jump_context", median(eventlet_ns),
              median(eventlet_cy));
  std::printf("eventlet / Boost = %.2f (target: <= 1.00)\n",
              median(eventlet_ns) / median(boost_ns));
}
