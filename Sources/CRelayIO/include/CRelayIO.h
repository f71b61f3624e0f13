// The few Linux system calls RelayIO needs that Swift's Glibc module does not export
// (epoll, eventfd, accept4). Wrappers only: no state, no policy.
#ifndef CRELAYIO_H
#define CRELAYIO_H

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
int crelayio_accept(int fd, struct sockaddr *address, socklen_t *length);

/// Names the calling thread (at most 15 bytes are kept).
void crelayio_set_thread_name(const char *name);
#endif

#endif
