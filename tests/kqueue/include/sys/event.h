/* Declarations only, for compiling hubs/kqueue.cpp on a system without kqueue (Linux): the
 * part of <sys/event.h> that the backend uses, written for this project from FreeBSD's
 * kevent(2) manual and typed as it gives the types (FreeBSD 12 and later; before 12, `data`
 * was an intptr_t and there was no `ext`). The constants' values are FreeBSD's. Nothing is
 * defined here: code compiled against it is checked, never linked or run. */
#ifndef EVENTLET_TEST_SYS_EVENT_H
#define EVENTLET_TEST_SYS_EVENT_H

#include <stdint.h>
#include <time.h> /* struct timespec */

/* Filters. */
#define EVFILT_READ (-1)  /* the descriptor has data to read (or EOF) */
#define EVFILT_WRITE (-2) /* the descriptor can be written */

/* Actions, in `flags` of a change. */
#define EV_ADD 0x0001     /* add the event, or change it where it exists; enables it */
#define EV_DELETE 0x0002  /* remove the event */
#define EV_ENABLE 0x0004  /* let the event be returned */
#define EV_DISABLE 0x0008 /* keep the event, but do not return it */

/* Flags of a change. */
#define EV_ONESHOT 0x0010 /* delete the event once it has been returned */
#define EV_CLEAR 0x0020   /* reset the event's state once it has been returned */

/* Flags of a returned event. */
#define EV_ERROR 0x4000 /* a change failed: `data` holds its errno */
#define EV_EOF 0x8000   /* end of file, or the filter's own end condition */

struct kevent {
  uintptr_t ident;      /* what the event is about: a descriptor for the read and write filters */
  short filter;         /* EVFILT_* */
  unsigned short flags; /* EV_* */
  unsigned int fflags;  /* filter-specific flags */
  int64_t data;         /* filter-specific data: bytes readable or writable, or an errno */
  void *udata;          /* the caller's, passed through unchanged */
  uint64_t ext[4];      /* extensions; EV_SET zeroes them */
};

/* EV_SET() fills in the kevent at `kevp`. */
#define EV_SET(kevp, a, b, c, d, e, f)               \
  do {                                               \
    struct kevent *ev_set_kevp_ = (kevp);            \
    ev_set_kevp_->ident = (a);                       \
    ev_set_kevp_->filter = (b);                      \
    ev_set_kevp_->flags = (c);                       \
    ev_set_kevp_->fflags = (d);                      \
    ev_set_kevp_->data = (e);                        \
    ev_set_kevp_->udata = (f);                       \
    ev_set_kevp_->ext[0] = ev_set_kevp_->ext[1] = 0; \
    ev_set_kevp_->ext[2] = ev_set_kevp_->ext[3] = 0; \
  } while (0)

#ifdef __cplusplus
extern "C" {
#endif

/* kqueue() makes a kernel event queue and returns its descriptor, or -1 and errno. */
int kqueue(void);

/* kevent() applies `nchanges` changes from `changelist`, then returns up to `nevents` pending
 * events in `eventlist`, waiting for one at most `timeout` (null: without limit); returns their
 * number, or -1 and errno. */
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
           int nevents, const struct timespec *timeout);

#ifdef __cplusplus
}
#endif

#endif
