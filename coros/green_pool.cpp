#include "green_pool.hpp"

#include <stdexcept>
#include <string>

namespace eventlet {

namespace {
std::size_t checked_size(std::size_t size, const char* what) {
  if (size == 0)
    throw std::invalid_argument(std::string(what) +
                                ": the size must be at least 1 (a pool of 0 never runs anything)");
  return size;
}
}  // namespace

green_pool::green_pool(std::size_t size) : size_(checked_size(size, "green_pool")) {}

green_pool::~green_pool() {
  // Each kill lets its greenthread finish, which takes it off the list. Each member is killed
  // once: one that survives its kill, like the caller itself, is let go below.
  const eventlet::greenlet* self = getcurrent();
  for (;;) {
    detail::pool_member* m = members_;
    while (m && (m->killed || m->greenlet == self)) m = m->next;
    if (!m) break;
    m->killed = true;
    m->kill();  // its finish hook takes it off the list
  }
  for (detail::pool_member* m = members_; m; m = m->next) m->pool = nullptr;
  idlers_.wake_all();
}

void green_pool::waitall() {
  owner_.check("green_pool::waitall");
  if (in_use_ == 0) return;  // (spawners wait only while slots are in use)
  if (is_member(getcurrent()))
    throw std::logic_error(
        "green_pool::waitall: called from one of the pool's own greenthreads, which would wait "
        "for itself forever");
  detail::wait_list::waiter w;
  idlers_.wait(w, -1);  // woken once idle, or by the destructor: either way, done
}

void green_pool::resize(std::size_t size) {
  owner_.check("green_pool::resize");
  size_ = checked_size(size, "green_pool::resize");
  admit();
}

bool green_pool::take_slot() {
  if (in_use_ < size_ && spawners_.empty()) {
    ++in_use_;
    return true;
  }
  if (is_member(getcurrent())) return false;
  detail::wait_list::waiter w;
  spawners_.wait(w, -1, &give_back, this);  // returns holding a slot; throws holding none
  return true;
}

void green_pool::finished(detail::pool_member* m) noexcept {
  if (green_pool* pool = m->pool) {
    (m->prev ? m->prev->next : pool->members_) = m->next;
    if (m->next) m->next->prev = m->prev;
    --pool->running_;
    pool->release_slot();
  }
  delete m;
}

void green_pool::enlist(detail::pool_member* m) noexcept {
  m->pool = this;
  m->next = members_;
  if (members_) members_->prev = m;
  members_ = m;
  ++running_;
}

bool green_pool::is_member(const eventlet::greenlet* g) const noexcept {
  for (const detail::pool_member* m = members_; m; m = m->next)
    if (m->greenlet == g) return true;
  return false;
}

void green_pool::release_slot() noexcept {
  --in_use_;
  admit();
  if (in_use_ == 0) idlers_.wake_all();
}

void green_pool::admit() noexcept {
  while (in_use_ < size_ && !spawners_.empty()) {
    ++in_use_;
    spawners_.wake(spawners_.front());
  }
}

void green_pool::give_back(detail::wait_list::waiter&, void* pool) noexcept {
  static_cast<green_pool*>(pool)->release_slot();
}

}  // namespace eventlet
