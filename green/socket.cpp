#include "socket.hpp"
