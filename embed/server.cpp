// serve(): a libevent listener whose connections are served by greenthreads.
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <unistd.h>

#include <stdexcept>

#include "../coros/greenthread.hpp"
#include "transport.hpp"

namespace eventlet::embed {

server::server(evconnlistener* listener, handler h) : listener_(listener), handler_(std::move(h)) {
  if (!listener_) throw std::invalid_argument("embed::serve: null listener");
  if (!handler_) throw std::invalid_argument("embed::serve: empty handler");
  evconnlistener_set_cb(listener_, &on_accept, this);
}

server::~server() { evconnlistener_set_cb(listener_, nullptr, nullptr); }

void server::on_accept(evconnlistener* l, int fd, sockaddr*, int, void* arg) {
  auto* self = static_cast<server*>(arg);
  bufferevent* bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    ::close(fd);
    return;
  }
  try {
    auto t = std::make_shared<green_transport>(bev);
    spawn([t, h = self->handler_] { h(*t); });
  } catch (...) {  // out of memory: the connection is dropped (the transport freed it)
  }
}

std::unique_ptr<server> serve(evconnlistener* listener, server::handler h) {
  return std::make_unique<server>(listener, std::move(h));
}

}  // namespace eventlet::embed
