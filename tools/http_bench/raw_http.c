// raw_http: an HTTP/1.1 responder written as a raw single-threaded epoll loop in plain C, the
// baseline http_bench measures http_hello against. Same command line and answers as that
// example: "--port N" (on 127.0.0.1); "hello" for any path and 16,384 bytes of 'x' for /16k.
// Prints nothing but errors; exits on SIGINT or SIGTERM.
//
// It does the least a correct responder does for GET requests without a body: it finds the end
// of each request head (CRLF CRLF), the request-target, the version and the Connection header,
// and answers with Content-Length framing. An HTTP/1.1 connection stays open unless the request
// says "Connection: close"; then, as for HTTP/1.0, the answer says "Connection: close" and the
// connection closes once it is sent. Requests with a body are not understood (the benchmark sends
// none). A head that does not fit the 8 KiB buffer, or a request line without a target and an
// HTTP/1.x version, closes the connection.
//
// Level-triggered: each readiness event gets one recv(2). The requests it completes (pipelined
// ones too) are answered with one sendmsg(2) over constant answers in static memory; what the
// socket does not take is copied and kept, and the connection is read again only once it has
// all gone out.
#define _GNU_SOURCE  // accept4, memmem
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { head_limit = 8192, batch_limit = 256 };  // batch: the iovecs of one sendmsg(2)

#define HEAD(length, connection)                                                             \
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " length "\r\n" connection \
  "\r"                                                                                       \
  "\n"
static const char hello_open[] = HEAD("5", "") "hello";
static const char hello_close[] = HEAD("5", "Connection: close\r\n") "hello";
static const char big_open[] = HEAD("16384", "");
static const char big_close[] = HEAD("16384", "Connection: close\r\n");
static char big_body[16384];  // 'x' from main() on

struct connection {
  int fd;
  unsigned events;  // what epoll watches
  int closing;      // answered a request after which it closes
  char *pending;    // bytes not sent yet: `left` of them from `pending + sent`
  size_t sent, left;
  size_t have;  // bytes read and not yet answered, from `in`
  char in[head_limit];
};

static int epfd;

static void watch(struct connection *c, int op, unsigned events) {
  if (op == EPOLL_CTL_MOD && c->events == events) return;
  struct epoll_event ev = {.events = events, .data.ptr = c};
  c->events = events;
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0) perror("raw_http: epoll_ctl");
}

static void drop(struct connection *c) {
  close(c->fd);  // also removes it from the epoll set
  free(c->pending);
  free(c);
}

// Whether `value` (`n` bytes) holds the token "close", in any case.
static int says_close(const char *value, size_t n) {
  for (size_t i = 0; i + 5 <= n; ++i)
    if (strncasecmp(value + i, "close", 5) == 0) return 1;
  return 0;
}

// Adds the answer to the request whose head is [head, end) (each line with its CRLF, without
// the empty line) to `iov`; sets c->closing if the connection closes after it. Returns 0 if
// the request line is malformed.
static int answer(struct connection *c, const char *head, const char *end, struct iovec *iov,
                  size_t *count) {
  const char *line_end = memmem(head, end - head, "\r\n", 2);
  const char *target = memchr(head, ' ', line_end - head);
  if (!target++) return 0;
  const char *version = memchr(target, ' ', line_end - target);
  if (!version++ || line_end - version != 8 || memcmp(version, "HTTP/1.", 7) != 0) return 0;
  if (version[7] == '0')
    c->closing = 1;
  else if (version[7] != '1')
    return 0;
  for (const char *line = line_end + 2; line < end; line = line_end + 2) {
    line_end = memmem(line, end - line, "\r\n", 2);
    if (line_end - line > 11 && strncasecmp(line, "connection:", 11) == 0 &&
        says_close(line + 11, line_end - line - 11))
      c->closing = 1;
  }
  const int big = version - target == 5 && memcmp(target, "/16k", 4) == 0;
  const char *first =
      big ? (c->closing ? big_close : big_open) : (c->closing ? hello_close : hello_open);
  iov[(*count)++] = (struct iovec){(void *)first, strlen(first)};
  if (big) iov[(*count)++] = (struct iovec){big_body, sizeof big_body};
  return 1;
}

// Sends the `count` parts of `iov`; keeps a copy of what the socket does not take. Returns -1
// on error.
static int send_batch(struct connection *c, struct iovec *iov, size_t count) {
  struct msghdr message = {.msg_iov = iov, .msg_iovlen = count};
  ssize_t n = sendmsg(c->fd, &message, MSG_NOSIGNAL);
  if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
  size_t done = n < 0 ? 0 : (size_t)n, total = 0;
  for (size_t i = 0; i < count; ++i) total += iov[i].iov_len;
  if (done == total) return 0;
  c->pending = realloc(c->pending, total - done);
  c->sent = 0;
  c->left = total - done;
  char *out = c->pending;
  for (size_t i = 0; i < count; ++i) {
    const size_t skip = done < iov[i].iov_len ? done : iov[i].iov_len;
    memcpy(out, (char *)iov[i].iov_base + skip, iov[i].iov_len - skip);
    out += iov[i].iov_len - skip;
    done -= skip;
  }
  return 0;
}

// Answers the complete requests read, a batch at a time. Returns -1 if it dropped the
// connection, 0 if it waits to write, 1 if it waits to read.
static int answer_all(struct connection *c) {
  for (;;) {
    struct iovec iov[batch_limit];
    size_t count = 0, used = 0;
    while (count + 2 <= batch_limit && !c->closing) {
      const char *end = memmem(c->in + used, c->have - used, "\r\n\r\n", 4);
      if (!end) break;
      if (!answer(c, c->in + used, end + 2, iov, &count)) return drop(c), -1;
      used = end + 4 - c->in;
    }
    if (count == 0) break;
    if (send_batch(c, iov, count) < 0) return drop(c), -1;
    memmove(c->in, c->in + used, c->have - used);
    c->have -= used;
    if (c->left > 0) return watch(c, EPOLL_CTL_MOD, EPOLLOUT), 0;
  }
  if (c->closing || c->have == sizeof c->in) return drop(c), -1;
  return 1;
}

// Reads what one recv(2) brings and answers it.
static void readable(struct connection *c) {
  const ssize_t n = recv(c->fd, c->in + c->have, sizeof c->in - c->have, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(c);
  if (n < 0) return;
  c->have += n;
  answer_all(c);
}

// Sends what is pending; once all of it has gone, answers what was read meanwhile.
static void writable(struct connection *c) {
  while (c->left > 0) {
    const ssize_t n = send(c->fd, c->pending + c->sent, c->left, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) return drop(c);
    c->sent += n;
    c->left -= n;
  }
  if (answer_all(c) > 0) watch(c, EPOLL_CTL_MOD, EPOLLIN);
}

static void accept_all(int listener) {
  static int reported;  // the first accept error only: the next ones would repeat it
  int fd;
  while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    struct connection *c = malloc(sizeof *c);
    *c = (struct connection){.fd = fd};
    watch(c, EPOLL_CTL_ADD, EPOLLIN);
  }
  if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED && !reported++)
    perror("raw_http: accept");
}

static void stop(int signal_number) {
  (void)signal_number;
  _exit(0);
}

static void usage(const char *problem) {
  fprintf(stderr, "%s\nusage: raw_http [--port N]\n", problem);
  exit(2);
}

int main(int argc, char **argv) {
  long port = 8080;
  for (int i = 1; i < argc; i += 2) {
    if (strcmp(argv[i], "--port") != 0) usage("unknown argument");
    if (i + 1 == argc) usage("--port needs a value");
    char *end;
    port = strtol(argv[i + 1], &end, 10);
    if (!*argv[i + 1] || *end || port < 0 || port > 65535) usage("--port is not a port number");
  }
  memset(big_body, 'x', sizeof big_body);
  signal(SIGINT, stop);
  signal(SIGTERM, stop);

  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(listener, SOMAXCONN) < 0) {
    perror("raw_http: listen");
    return 1;
  }

  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};  // NULL: the listener
  epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event ready[256];
  for (;;) {
    const int n = epoll_wait(epfd, ready, 256, -1);
    for (int i = 0; i < n; ++i) {
      struct connection *c = ready[i].data.ptr;
      if (!c)
        accept_all(listener);
      else if (c->left > 0)
        writable(c);
      else
        readable(c);
    }
  }
}
