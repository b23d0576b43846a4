// echo_raw_epoll: an echo server written as a raw single-threaded epoll loop in plain C, the
// baseline echo_bench measures echo_server against. Same command line and first line of
// output as the examples: "--port N", "listening on 127.0.0.1:PORT"; runs until killed.
//
// Level-triggered: each readiness event gets one recv(2), whose bytes are sent straight back.
// What the socket does not take is kept, and the connection is read again only once it has
// all gone out.
#define _GNU_SOURCE  // accept4
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct connection {
  int fd;
  char *pending;  // bytes not sent yet: `left` of them from `pending + sent`
  size_t sent, left;
};

static int epfd;

static void watch(struct connection *c, int op, unsigned events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0) perror("epoll_ctl");
}

static void drop(struct connection *c) {
  close(c->fd);  // also removes it from the epoll set
  free(c->pending);
  free(c);
}

// Sends what is pending; returns -1 on error, else whether all of it went.
static int flush(struct connection *c) {
  while (c->left > 0) {
    const ssize_t n = send(c->fd, c->pending + c->sent, c->left, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    c->sent += n;
    c->left -= n;
  }
  return 1;
}

// Echoes what one recv(2) brings; keeps what send(2) does not take and waits to write it.
static void echo(struct connection *c) {
  static char buffer[64 * 1024];
  const ssize_t n = recv(c->fd, buffer, sizeof buffer, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(c);
  if (n < 0) return;
  const ssize_t sent = send(c->fd, buffer, n, MSG_NOSIGNAL);
  if (sent == n) return;
  if (sent < 0 && errno != EAGAIN) return drop(c);
  const size_t kept = n - (sent < 0 ? 0 : sent);
  c->pending = realloc(c->pending, kept);
  memcpy(c->pending, buffer + (n - kept), kept);
  c->sent = 0;
  c->left = kept;
  watch(c, EPOLL_CTL_MOD, EPOLLOUT);
}

static void usage(const char *problem) {
  fprintf(stderr, "%s\nusage: echo_raw_epoll [--port N]\n", problem);
  exit(2);
}

int main(int argc, char **argv) {
  long port = 6000;
  for (int i = 1; i < argc; i += 2) {
    if (strcmp(argv[i], "--port") != 0) usage("unknown argument");
    if (i + 1 == argc) usage("--port needs a value");
    char *end;
    port = strtol(argv[i + 1], &end, 10);
    if (!*argv[i + 1] || *end || port < 0 || port > 65535) usage("--port is not a port number");
  }
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(listener, 128) < 0 || getsockname(listener, (struct sockaddr *)&addr, &length) < 0) {
    perror("echo_raw_epoll: listen");
    return 1;
  }
  printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  fflush(stdout);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};  // NULL: the listener
  epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event ready[256];
  for (;;) {
    const int n = epoll_wait(epfd, ready, 256, -1);
    for (int i = 0; i < n; ++i) {
      struct connection *c = ready[i].data.ptr;
      if (!c) {  // accept what is waiting
        int fd;
        while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          c = calloc(1, sizeof *c);
          c->fd = fd;
          watch(c, EPOLL_CTL_ADD, EPOLLIN);
        }
      } else if (c->left > 0) {  // waiting to write
        const int done = flush(c);
        if (done < 0) drop(c);
        if (done > 0) watch(c, EPOLL_CTL_MOD, EPOLLIN);
      } else {
        echo(c);
      }
    }
  }
}
