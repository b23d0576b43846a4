// local<T>: a value each greenthread has its own copy of, like eventlet.corolocal.local.
//
//   eventlet::local<std::string> request_id;
//   *request_id = "abc";  // this greenthread's; another greenthread sees its own
#pragma once

#include <any>
#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

#include "../greenlet/greenlet.hpp"

namespace eventlet {

namespace detail {
inline std::atomic<std::uint64_t> next_local_id{1};
}  // namespace detail

template <typename T>
class local {
 public:
  // local() gives each greenthread a default-constructed T on its first access.
  local() : local([] { return T(); }) {}

  // local(make) gives each greenthread make()'s result on its first access.
  explicit local(std::function<T()> make)
      : id_(detail::next_local_id.fetch_add(1, std::memory_order_relaxed)),
        make_(std::move(make)) {}

  local(const local&) = delete;
  local& operator=(const local&) = delete;

  // get() is the calling greenthread's value (the main greenlet counts as one), made on first
  // access; it lives as long as that greenlet.
  T& get() {
    std::any& slot = getcurrent()->locals()[id_];
    if (!slot.has_value()) slot.template emplace<T>(make_());
    return std::any_cast<T&>(slot);
  }

  T& operator*() { return get(); }
  T* operator->() { return &get(); }

  // has_value() tells whether the calling greenthread has its value yet.
  bool has_value() const { return getcurrent()->locals().count(id_) != 0; }

  // reset() drops the calling greenthread's value; the next access makes a new one.
  void reset() { getcurrent()->locals().erase(id_); }

 private:
  std::uint64_t id_;
  std::function<T()> make_;
};

}  // namespace eventlet
