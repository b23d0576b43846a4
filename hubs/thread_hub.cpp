// The hub each thread owns: made on first use, put on another backend by use_hub(), opened
// again after shutdown(), shut down when the thread exits.
#include <dlfcn.h>

#include "../base/log.hpp"
#include "detail/internal.hpp"

namespace eventlet::hubs {

std::unique_ptr<backend> chosen_backend();
std::unique_ptr<backend> make_backend(std::string_view name, std::string_view origin);

constinit thread_local hub* detail::tls_hub = nullptr;

namespace detail {

// libeventlet_patch.so (which links libeventlet.so) preloaded into a program that has its own
// copy of eventlet, linked statically: the patch library would read the hub state of the other
// copy, never open, and make no call green. Refused at the thread's first hub, once it is the
// thread's hub here: the patch library, asked which hub it sees (its public current_hub()), must
// name this one.
void check_one_copy(const hub& mine) {
  using seen = hub* (*)();
  if (auto theirs = reinterpret_cast<seen>(dlsym(RTLD_DEFAULT, "eventlet_patch_current_hub")))
    if (theirs() != &mine)
      throw hub_error(
          "libeventlet_patch.so is loaded into a program with its own static copy of eventlet: "
          "it cannot see this hub. Link libeventlet_patch.a (whole) instead of preloading it, "
          "or link eventlet shared");
}

// Owns the calling thread's hub. Thread-locals die in reverse order of construction: the
// thread's greenlet state is made first (getcurrent()), so that it outlives the hub, whose
// shutdown at thread exit unwinds greenthreads.
struct thread_hub {
  std::unique_ptr<hub> owned;

  ~thread_hub() {
    if (!owned) return;
    if (owned->backend_ && getcurrent()->parent()) {
      // The thread ends inside a greenthread (exit() called there): its hub cannot run to
      // unwind the others. The process is going away; leave it all as it is.
      log(log_level::warning, "the thread exits inside greenlet '" + describe(getcurrent()) +
                                  "': its hub's " + std::to_string(owned->greenthread_count()) +
                                  " greenthreads are not unwound");
      (void)owned.release();
    } else if (owned->backend_) {
      try {
        owned->shutdown();
      } catch (const std::exception& e) {
        log(log_level::error,
            std::string("shutting the thread's hub down at its exit: ") + e.what());
      }
    }
    owned.reset();
    tls_hub = nullptr;
  }

  // install() puts the calling thread's hub on `b`: makes it, opens it again, or moves it.
  hub& install(std::unique_ptr<backend> b) {
    if (!owned) {
      owned.reset(new hub(std::move(b)));
      tls_hub = owned.get();
      try {
        check_one_copy(*owned);
      } catch (...) {
        tls_hub = nullptr;
        owned.reset();
        throw;
      }
      return *owned;
    }
    if (!owned->backend_)
      owned->open(std::move(b));
    else
      owned->replace_backend(std::move(b));
    tls_hub = owned.get();
    return *owned;
  }
};

namespace {

// The owner is first touched after the thread's greenlet state is made (see above).
hub& install(std::unique_ptr<backend> b) {
  getcurrent();
  static thread_local thread_hub owner;
  return owner.install(std::move(b));
}

}  // namespace

hub& make_hub() { return install(chosen_backend()); }

}  // namespace detail

void use_hub(std::string_view name) { detail::install(make_backend(name, "use_hub: ")); }

void use_hub(std::unique_ptr<backend> backend) {
  if (!backend) throw std::invalid_argument("use_hub: null backend");
  detail::install(std::move(backend));
}

void shutdown() {
  if (hub* h = detail::tls_hub) h->shutdown();
}

}  // namespace eventlet::hubs
