// call_in_loop(): loop context is the driver's run callback when joined, else the hub greenlet.
#include "defer.hpp"

#include "detail/driver.hpp"

namespace eventlet::embed {

void call_in_loop(std::function<void()> fn) {
  hubs::hub& h = hubs::get_hub();
  h.check_thread("embed::call_in_loop");
  if (detail::driver* d = detail::driver::current())
    d->post(std::move(fn));
  else
    h.schedule_call_global(0, std::move(fn));
}

}  // namespace eventlet::embed
