#include "errors.hpp"

#include <cerrno>
#include <system_error>

namespace eventlet::os {

void throw_error(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

void throw_error(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

bool connection_error(int error) noexcept {
  switch (error) {
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

bool out_of_resources(int error) noexcept {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace eventlet::os
