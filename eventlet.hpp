// The whole public API of eventlet for C++.
#pragma once

#include "greenlet/context.hpp"
#include "greenlet/greenlet.hpp"
#include "hubs/backend.hpp"
#include "hubs/hub.hpp"
#include "coros/event.hpp"
#include "coros/queue.hpp"
#include "coros/channel.hpp"
#include "coros/semaphore.hpp"
#include "coros/greenthread.hpp"
#include "coros/local.hpp"
#include "coros/timeout.hpp"
