// block_on()'s wait: the loop's own run in a joined main greenlet, else a green wait.
#include "block_on.hpp"

#include "../base/scope_exit.hpp"
#include "../coros/timeout.hpp"
#include "detail/driver.hpp"

namespace eventlet::embed::detail {

void wait_for(eventlet::event<void>& done, std::optional<double> timeout) {
  hubs::hub& h = hubs::get_hub();
  driver* d = driver::current();
  if (!d || getcurrent() != h.joined_loop()) {
    h.check_can_block("embed::block_on");
    if (!timeout)
      done.wait();
    else if (!done.try_wait(*timeout))
      throw timeout_error("embed::block_on: not done within the timeout");
    return;
  }
  if (d->in_callback()) h.check_can_block("embed::block_on");  // throws: a loop callback
  bool expired = false;
  hubs::timer limit;
  if (timeout) limit = h.schedule_call_global(*timeout, [&expired] { expired = true; });
  const scope_exit cancel([&limit] { limit.cancel(); });
  while (!done.ready() && !expired) d->run_once();
  if (!done.ready()) throw timeout_error("embed::block_on: not done within the timeout");
}

}  // namespace eventlet::embed::detail
