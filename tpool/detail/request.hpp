// A call handed to a thread pool (tpool/pool.hpp): shared by its caller and the pool, since the
// caller's frame may be gone (killed, timed out) by the time the call returns.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "../../base/export.hpp"
#include "../../hubs/hub.hpp"

namespace eventlet::tpool {

namespace detail {

class return_address;

// One call handed to the pool, shared by the caller and the pool (a reference each, the pool's
// from when it takes the call): the caller's frame may be gone by the time the call returns.
class EVENTLET_API request {
 public:
  request(const request&) = delete;
  request& operator=(const request&) = delete;

  // run() makes the call on a pool thread and keeps its value or exception.
  virtual void run() noexcept = 0;

  // add_ref() adds a reference.
  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }

  // release() drops a reference; the last one frees the request, on whichever thread drops it.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Used on the caller's hub thread only: the waiting caller (null once it has stopped
  // waiting), and whether the result has come back.
  hubs::wakeup* waiter = nullptr;
  bool done = false;
  // Where the result goes, until the pool posts it there.
  std::shared_ptr<return_address> reply;
  // The link in the pool's queue, then in the return address's list of results.
  request* next = nullptr;

 protected:
  request() = default;
  virtual ~request() = default;

 private:
  std::atomic<unsigned> refs_{1};
};

// A request for `Call`, a function object taking no arguments (as built by bind_call()).
template <typename Call>
class call_request final : public request {
 public:
  using result = std::invoke_result_t<Call&>;

  explicit call_request(Call&& call) : call_(std::move(call)) {}

  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<result>)
        call_();
      else
        value_.emplace(call_());
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  // take() returns the value, or rethrows the exception; once, after the call has returned.
  result take() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<result>) return std::move(*value_);
  }

 private:
  struct nothing {};
  Call call_;
  [[no_unique_address]] std::conditional_t<std::is_void_v<result>, nothing, std::optional<result>>
      value_;  // nothing to keep for void
  std::exception_ptr error_;
};

// on_pool_thread() tells whether the calling thread is one of a pool's (any pool's).
EVENTLET_API bool on_pool_thread() noexcept;

}  // namespace detail

}  // namespace eventlet::tpool
