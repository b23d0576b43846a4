// db::tpooled(): a connector whose connections run a blocking driver's calls on the thread pool
// (tpool/tpool.hpp), like eventlet.db_pool's TpooledConnectionPool: a driver written with plain
// blocking code stops only its caller, not the hub.
//
//   db::pool p(db::tpooled([](double timeout) { return my_blocking_driver::open(timeout); }));
//
// A blocking call cannot be interrupted: if its caller is killed or times out, the call runs to
// its end on its pool thread, the connection says broken() at once (so a pool closes it rather
// than lend it mid-call), and the blocking connection is closed when that call ends.
// in_transaction() and broken() answer from what the last call left, without blocking.
#pragma once

#include "../base/export.hpp"
#include "connection.hpp"

namespace eventlet::db {

// tpooled() wraps `blocking`, a connector whose connections block the calling thread. The
// connections it opens throw what the blocking ones throw, db::error with code "08003" once
// broken, and what tpool::execute() throws.
EVENTLET_API connector tpooled(connector blocking);

}  // namespace eventlet::db
