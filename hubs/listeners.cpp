// The hub's fd listeners: per fd, who waits to read and who waits to write; the interest
// changes batched for the backend before each wait; readiness and errors handed out after it.

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "../base/log.hpp"
#include "detail/internal.hpp"

namespace eventlet::hubs {

using detail::fd_entry;
using detail::listener;

listener* hub::add(io events, int fd, fd_callback cb, closes how) {
  check_thread("hub::add");
  check_open("hub::add");
  if (fd < 0) throw hub_error("cannot watch fd " + std::to_string(fd) + ": not a descriptor");
  if (fd >= backend_->fd_limit())
    throw hub_error("the " + std::string(name()) + " hub cannot watch fd " + std::to_string(fd) +
                    ": it watches fds below " + std::to_string(backend_->fd_limit()) +
                    "; choose another hub (EVENTLET_HUB)");
  if (!any(events & (io::read | io::write))) throw hub_error("add: no event to wait for");
  if (static_cast<std::size_t>(fd) >= fds_.size()) {
    // A number past every fd seen so far: make sure it is one before growing the table to it.
    if (!os::is_open(fd)) os::throw_error(errno, "cannot wait on fd " + std::to_string(fd));
    fds_.resize(fd + 1);
  }
  fd_entry& e = fds_[fd];
  const bool reads = any(events & io::read), writes = any(events & io::write);
  if (prevent_multiple_ && ((reads && !e.readers.empty()) || (writes && !e.writers.empty())))
    throw hub_error("a second greenthread waits to " + std::string(reads ? "read" : "write") +
                    " fd " + std::to_string(fd) +
                    " while another does: the two would race for it (see "
                    "set_prevent_multiple_readers)");
  auto* l = new listener{fd, events, std::move(cb), waits_, how};
  if (reads) e.readers.push_back(l);
  if (writes) e.writers.push_back(l);
  push_change(fd);
  ++listeners_;
  return l;
}

void hub::push_change(int fd) {
  fd_entry& e = fds_[fd];
  if (e.changed) return;
  e.changed = true;
  changes_.push_back(fd);
  if (joined_) [[unlikely]]
    note_work();
}

// Takes a listener out of its fd's lists and drops the hub's reference.
void hub::unregister(listener* l) noexcept {
  if (!l->registered) return;
  l->registered = false;
  fd_entry& e = fds_[l->fd];
  std::erase(e.readers, l);
  std::erase(e.writers, l);
  if (!any(e.wanted()) && any(e.registered) && l->how == closes::raw) e.emptied = true;
  push_change(l->fd);  // cannot throw: changes_ has room for every fd (see apply_changes)
  unref(l);
}

void hub::unref(listener* l) noexcept {
  if (--l->refs == 0) graveyard_.push_back(l);
}

void hub::remove(listener* l) noexcept {
  if (!l) return;
  l->removed = true;
  unregister(l);
  --listeners_;
  unref(l);
}

void hub::notify_close(int fd) noexcept {
  check_fork();
  if (!backend_ || fd < 0 || static_cast<std::size_t>(fd) >= fds_.size()) return;
  fd_entry& e = fds_[fd];
  // Each is called with EBADF on the next pass unless removed first; it keeps the hub's
  // reference meanwhile. Out of memory to list them, they are only removed.
  bool listed = true;
  try {
    closed_.reserve(closed_.size() + e.readers.size() + e.writers.size());
  } catch (const std::bad_alloc&) {
    listed = false;
    log(log_level::error, "notify_close: out of memory; the greenthreads waiting on fd " +
                              std::to_string(fd) + " are not told that it closed");
  }
  for (std::vector<listener*>* list : {&e.readers, &e.writers}) {
    for (listener* l : *list) {
      if (!l->registered) continue;  // a reader and a writer: once
      l->registered = false;
      if (listed)
        closed_.push_back(l);
      else
        unref(l);
    }
  }
  e.readers.clear();
  e.writers.clear();
  e.emptied = false;
  if (any(e.registered) && !broken_)
    backend_->update(fd, e.registered, io::none);  // before close(2)
  e.registered = io::none;
  if (joined_) [[unlikely]]
    note_work();
}

void hub::apply_changes() {
  for (int fd : changes_) {
    fd_entry& e = fds_[fd];
    e.changed = false;
    const io want = e.wanted();
    const bool renew = e.emptied && any(want);  // maybe another file under the same number
    e.emptied = false;
    if (want == e.registered && !renew) continue;
    if (const int err = backend_->update(fd, e.registered, want)) {
      e.registered = io::none;
      ready_.push_back({fd, want, err});  // its listeners hear why
    } else {
      e.registered = want;
    }
  }
  changes_.clear();
  // unregister() may push a change while a callback runs: keep room for every fd.
  if (changes_.capacity() < fds_.size()) changes_.reserve(fds_.size());
}

// Registers every fd that has listeners anew, after the backend forgot them all (a new
// backend, or one rebuilt after fork).
void hub::renew_registrations() noexcept {
  for (std::size_t fd = 0; fd < fds_.size(); ++fd) {
    fd_entry& e = fds_[fd];
    e.registered = io::none;
    e.emptied = false;
    if (any(e.wanted())) push_change(static_cast<int>(fd));
  }
}

void hub::dispatch() {
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    const ready_fd r = ready_[i];
    if (static_cast<std::size_t>(r.fd) >= fds_.size()) continue;
    firing_.clear();
    const fd_entry& e = fds_[r.fd];
    if (r.error || any(r.events & io::read)) firing_ = e.readers;
    if (r.error || any(r.events & io::write))
      for (listener* l : e.writers)
        if (std::find(firing_.begin(), firing_.end(), l) == firing_.end()) firing_.push_back(l);
    for (listener* l : firing_) {
      // Not one removed by an earlier callback of this pass, nor one added since the wait:
      // what the backend reported may concern an older file with the same number.
      if (!l->registered || l->since >= waits_) continue;
      try {
        l->cb(r.error);
      } catch (const greenlet_exit&) {
        throw;
      } catch (...) {
        report_exception(std::current_exception(), "a listener callback");
      }
    }
  }
}

// Calls the listeners notify_close() told of, except those removed since.
void hub::dispatch_closed() {
  std::vector<listener*> now;
  now.swap(closed_);
  struct release {
    hub& h;
    std::vector<listener*>& now;
    std::size_t next = 0;
    ~release() {  // the hub's references, also when the hub greenlet is killed meanwhile
      for (; next < now.size(); ++next) h.unref(now[next]);
    }
  } done{*this, now};
  for (; done.next < now.size(); ++done.next) {
    listener* l = now[done.next];
    if (!l->removed) {
      try {
        l->cb(EBADF);
      } catch (const greenlet_exit&) {
        throw;
      } catch (...) {
        report_exception(std::current_exception(), "a listener callback");
      }
    }
    unref(l);
  }
}

}  // namespace eventlet::hubs
