#include "log.hpp"

#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace eventlet {
namespace {

// The handler, replaced as a whole: log() copies the pointer under the mutex and calls the
// handler outside it, so a slow handler never holds up set_log_handler() or other threads.
std::mutex handler_mutex;
std::shared_ptr<const log_handler> current_handler;  // null: the default

// One write(2) per message, so that lines from several threads never interleave.
void write_stderr(std::string_view message) {
  std::string line;
  line.reserve(message.size() + 11);
  line.append("eventlet: ").append(message).push_back('\n');
  for (std::size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return;  // stderr closed or broken: nowhere to write
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

log_handler set_log_handler(log_handler handler) {
  auto fresh = handler ? std::make_shared<const log_handler>(std::move(handler)) : nullptr;
  std::lock_guard lock(handler_mutex);
  std::shared_ptr<const log_handler> old = std::exchange(current_handler, std::move(fresh));
  return old ? *old : log_handler{};
}

void log(log_level level, std::string_view message) noexcept {
  try {
    std::shared_ptr<const log_handler> handler;
    {
      std::lock_guard lock(handler_mutex);
      handler = current_handler;
    }
    if (handler)
      (*handler)(level, message);
    else
      write_stderr(message);
  } catch (...) {
  }
}

}  // namespace eventlet
