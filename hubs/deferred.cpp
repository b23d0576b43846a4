#include "deferred.hpp"

#include <any>
#include <cstdint>
#include <memory>
#include <stdexcept>

#include "../greenlet/greenlet.hpp"

namespace eventlet::hubs {
namespace detail {

constinit thread_local unsigned tls_deferred = 0;

}  // namespace detail

namespace {

// The key of the pending exception in the greenlet's locals (coros' locals count up from 1).
constexpr std::uint64_t slot_key = ~std::uint64_t{0};

// A pending exception; counted in tls_deferred while it lives, so a greenlet that ends with one
// pending takes it out of the count.
struct pending {
  std::exception_ptr e;
  explicit pending(std::exception_ptr x) : e(std::move(x)) { ++detail::tls_deferred; }
  pending(const pending&) = delete;
  pending& operator=(const pending&) = delete;
  ~pending() { --detail::tls_deferred; }
};

std::shared_ptr<pending>* slot() {
  auto& locals = getcurrent()->locals();
  auto it = locals.find(slot_key);
  return it == locals.end() ? nullptr : std::any_cast<std::shared_ptr<pending>>(&it->second);
}

}  // namespace

void detail::throw_deferred() {
  std::shared_ptr<pending>* s = slot();
  if (!s) return;
  std::exception_ptr e = (*s)->e;
  getcurrent()->locals().erase(slot_key);
  std::rethrow_exception(e);
}

void defer(std::exception_ptr e) {
  if (!e) throw std::invalid_argument("defer: the exception is null");
  if (slot()) return;
  getcurrent()->locals()[slot_key] = std::make_shared<pending>(std::move(e));
}

bool deferred() noexcept { return detail::tls_deferred != 0 && slot() != nullptr; }

}  // namespace eventlet::hubs
