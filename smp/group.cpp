// How a group's threads start together and how join() learns that they have all ended.
//
// Each thread makes its hub and counts down `ready`; the constructor waits for that, so that
// hub() answers for every index before any fn runs, then opens `go`. When an fn has returned
// and its hub is shut down, the thread counts itself out; the last one wakes a joiner waiting
// greenly on another hub by posting to that hub a release of the joiner's semaphore.
#include "group.hpp"

#include <pthread.h>

#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "../base/log.hpp"
#include "../coros/semaphore.hpp"

namespace eventlet::smp {

struct group::shared {
  explicit shared(int threads) : ready(threads), remaining(threads) {}

  std::latch ready;      // counted down by each thread once its hub is made (or failed)
  std::latch go{1};      // opened by the constructor
  bool abandon = false;  // set before `go` opens: end without calling fn

  std::mutex join_mutex;     // one joiner at a time joins the std::threads
  std::mutex mutex;          // guards what follows
  std::exception_ptr error;  // the first one an fn threw (or a hub failed with)
  bool error_taken = false;  // join() has rethrown it
  int remaining;             // threads that have not finished
  // The joiners waiting greenly: each one's hub, and what to release there.
  std::vector<std::pair<hubs::remote_hub, std::shared_ptr<semaphore>>> joiners;

  void fail(std::exception_ptr e) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (!error) error = std::move(e);
  }

  void finished() {
    std::vector<std::pair<hubs::remote_hub, std::shared_ptr<semaphore>>> waking;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (--remaining == 0) waking.swap(joiners);
    }
    for (auto& [hub, joined] : waking) {
      try {
        hub.post([joined = std::move(joined)] { joined->release(); });
      } catch (const std::exception&) {
        // That joiner's thread has ended: nobody waits there any more.
      }
    }
  }
};

group::group(int threads, std::function<void(int index)> fn) {
  if (threads < 1) throw std::invalid_argument("smp::group: the number of threads must be >= 1");
  if (!fn) throw std::invalid_argument("smp::group: the function is empty");
  shared_ = std::make_shared<shared>(threads);
  hubs_.resize(static_cast<std::size_t>(threads));
  threads_.reserve(static_cast<std::size_t>(threads));

  auto body = [s = shared_, fn, this](int index) {
    bool made = false;
    try {
      hubs_[static_cast<std::size_t>(index)] = hubs::get_hub().remote();
      made = true;
    } catch (...) {
      s->fail(std::current_exception());
    }
    s->ready.count_down();
    s->go.wait();
    if (made && !s->abandon) {
      try {
        fn(index);
      } catch (...) {
        s->fail(std::current_exception());
      }
    }
    hubs::shutdown();
    s->finished();
  };

  for (int i = 0; i < threads; ++i) {
    try {
      threads_.emplace_back(body, i);
    } catch (...) {
      // The threads not started count themselves out here.
      for (int j = i; j < threads; ++j) shared_->ready.count_down();
      for (int j = i; j < threads; ++j) shared_->finished();
      shared_->abandon = true;
      shared_->go.count_down();
      for (std::thread& t : threads_) t.join();
      threads_.clear();
      throw;
    }
    const std::string name = "eventlet-smp-" + std::to_string(i);
    pthread_setname_np(threads_.back().native_handle(), name.substr(0, 15).c_str());
  }
  shared_->ready.wait();
  {
    const std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->abandon = shared_->error != nullptr;  // a hub could not be made
  }
  shared_->go.count_down();
  if (shared_->abandon) {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    std::rethrow_exception(shared_->error);
  }
}

group::~group() {
  try {
    join();
  } catch (const std::exception& e) {
    eventlet::log(log_level::error,
                  std::string("smp::group: a thread's function threw: ") + e.what());
  } catch (...) {
    eventlet::log(log_level::error,
                  "smp::group: a thread's function threw a non-standard exception");
  }
}

void group::join() {
  for (const std::thread& t : threads_)
    if (t.get_id() == std::this_thread::get_id())
      throw std::logic_error("smp::group::join: called from one of the group's own threads");
  if (hubs::hub* h = hubs::current_hub()) {
    h->check_can_block("smp::group::join");
    auto done = std::make_shared<semaphore>(0);
    bool wait = false;
    {
      const std::lock_guard<std::mutex> lock(shared_->mutex);
      if (shared_->remaining > 0) {
        shared_->joiners.emplace_back(h->remote(), done);
        wait = true;
      }
    }
    if (wait) done->acquire();
  }
  {
    const std::lock_guard<std::mutex> one_at_a_time(shared_->join_mutex);
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }
  const std::lock_guard<std::mutex> lock(shared_->mutex);
  if (shared_->error && !shared_->error_taken) {
    shared_->error_taken = true;
    std::rethrow_exception(shared_->error);
  }
}

void run(int threads, std::function<void(int index)> fn) {
  group g(threads, std::move(fn));
  g.join();
}

}  // namespace eventlet::smp
