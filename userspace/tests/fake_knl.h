/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fake kernel of tests/fake_knl.c, for test programs that link it.
 */
#ifndef FAKE_KNL_H
#define FAKE_KNL_H

#include <stdbool.h>
#include <stddef.h>

/* The next request is answered with the @len bytes at @buf, as one
 * datagram, instead of the fake kernel's answer. With @stamp, the port id
 * and sequence number of each whole message in it are the request's.
 */
void fake_knl_inject(const void *buf, size_t len, bool stamp);

/* Requests the fake controller (GENL_ID_CTRL) answered so far */
extern unsigned long fake_knl_ctrl_requests;

#endif /* FAKE_KNL_H */
