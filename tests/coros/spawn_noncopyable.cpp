// Must not compile: a socket-like move-only object passed to spawn() by lvalue. The compiler is
// to say, in one error, to move it or pass std::ref (compile_fail.sh checks the message).
#include <memory>

#include "coros/greenthread.hpp"

int main() {
  auto held = std::make_unique<int>(1);
  eventlet::spawn([](std::unique_ptr<int>&) {}, held).wait();
}
