// refusal(): the message of the std::invalid_argument a call throws, for tests of bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace test_support {

// The message of the std::invalid_argument `f` throws, or "" if it throws none.
template <typename F>
std::string refusal(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace test_support
