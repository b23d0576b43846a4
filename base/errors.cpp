#include "errors.hpp"

#include <system_error>

namespace eventlet::os {

void throw_error(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

void throw_error(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace eventlet::os
