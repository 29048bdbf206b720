/* SPDX-License-Identifier: GPL-2.0 */
/*
 * knl: a thin layer over libnl-genl for one generic netlink family.
 *
 * It owns the socket and the callback set, turns libnl's NLE_* codes and
 * the kernel's nlmsgerr into plain errno values, and keeps the kernel's
 * extended ack (extack) message of the last failure. Requests are
 * synchronous: knl_transact() sends one message and returns once the kernel
 * has answered it completely (ACK, error or end of dump).
 */
#ifndef KNL_H
#define KNL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

struct knl {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;		/* generic netlink family id */
	char family_name[16];	/* GENL_NAMSIZ */
	uint8_t version;	/* family version put in every request */
	int err;		/* positive errno of the last failure, 0: none */
	bool refused;		/* that failure is the kernel's error answer to
				 * the request (NLMSG_ERROR, or an error in
				 * NLMSG_DONE), not one of the socket or of a
				 * reply callback
				 */
	char msg[256];		/* extack message of the last failure, or "" */
	char warn[256];		/* extack message the kernel attached to the
				 * last successful answer (a warning), or ""
				 */
	int miss_type;		/* attribute the kernel said was missing, or -1 */
	int miss_nest;		/* offset of the nest it was missing in, or -1 */
};

/* Called for each reply message; return 0, or a negative errno to fail
 * the transaction (the rest of the answer is still read and dropped).
 */
typedef int (*knl_cb_t)(struct nl_msg *msg, void *arg);

/* Open a socket and resolve @family. Returns 0, -ENOENT if the family is
 * not registered (module not loaded), or another negative errno.
 */
int knl_open(struct knl *k, const char *family, uint8_t version);
void knl_close(struct knl *k);

/* A new request for @cmd with genl header; NLM_F_DUMP in @flags for dumps */
struct nl_msg *knl_msg(struct knl *k, uint8_t cmd, int flags);

/* Send @msg (not freed) and read the whole answer, passing each reply to
 * @cb. Returns 0, -EINTR if a dump was interrupted by a concurrent change
 * (read completely: the caller may simply retry), or a negative errno with
 * k->err and k->msg set, and k->refused if the kernel answered with it.
 */
int knl_transact(struct knl *k, struct nl_msg *msg, knl_cb_t cb, void *arg);

/* Join multicast @group of the family */
int knl_subscribe(struct knl *k, const char *group);

/* Pass every message arriving on the socket to @cb until it fails.
 * @lost (may be NULL) is called when the socket overran and notifications
 * were dropped by the kernel (ENOBUFS); listening goes on. Any other
 * failure, a real out-of-memory included, ends it.
 *
 * @watch_fd, if not -1, is polled too: when it reports an error or a
 * hang-up (the reader of a pipe went away) knl_listen() returns 0.
 */
int knl_listen(struct knl *k, knl_cb_t cb, void *arg,
	       void (*lost)(void *arg), int watch_fd);

/* Tests only: a weak no-op that a test program may replace to install
 * its own send and receive functions (nl_cb_overwrite_send/_recv) on the
 * callback set every request of @k goes through, the control requests of
 * knl_open() included. Called once the socket and callbacks exist.
 */
void knl_transport_hook(struct knl *k);

/* Parse the attributes after the genl header of @msg into tb[0..maxattr] */
int knl_parse(struct nl_msg *msg, int maxattr,
	      const struct nla_policy *policy, struct nlattr **tb);

/* The command byte of a received genl message */
uint8_t knl_cmd(struct nl_msg *msg);

/* Record a failure that did not come from the kernel */
int knl_set_err(struct knl *k, int err);

/* errno value for a libnl NLE_* code (positive or negative) */
int knl_nle_errno(int nle);

#endif /* KNL_H */
