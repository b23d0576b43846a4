// The whole public API of eventlet for C++.
#pragma once

#include "greenlet/context.hpp"
#include "greenlet/greenlet.hpp"
