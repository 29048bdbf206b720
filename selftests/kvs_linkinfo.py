#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# kvs_linkinfo.py DEV: what RTM_GETLINK says of DEV's kvs settings, read
# straight from rtnetlink (stock "ip -d link show" prints the data of the
# kinds it knows only), one "key=value" a line:
#   kind=kvs ageing=N batch=N                      (a switch)
#   slave_kind=kvs type=N learning=N learned=N
#   net=N max_macs=N bum_limit=N                   (a port; the last three
#                                                   for a VM port)
# Exit status 1 if DEV does not exist.

import os
import socket
import struct
import sys

RTM_GETLINK, NLMSG_ERROR = 18, 2
IFLA_LINKINFO = 18
INFO_KIND, INFO_DATA, INFO_SLAVE_KIND, INFO_SLAVE_DATA = 1, 2, 4, 5
# uapi/linux/kvs.h: IFLA_KVS_*, IFLA_KVS_PORT_*
SWITCH = {1: ("ageing", "I"), 2: ("batch", "I")}
PORT = {1: ("type", "B"), 2: ("learning", "B"), 3: ("learned", "I"),
        4: ("net", "I"), 5: ("max_macs", "I"), 6: ("bum_limit", "I")}


def attrs(buf):
    """(type, payload) of each netlink attribute in buf"""
    off = 0
    while off + 4 <= len(buf):
        length, atype = struct.unpack_from("=HH", buf, off)
        if length < 4:
            break
        yield atype & 0x3fff, buf[off + 4:off + length]
        off += (length + 3) & ~3


def values(buf, names):
    for atype, data in attrs(buf):
        if atype in names:
            key, fmt = names[atype]
            print("%s=%d" % (key, struct.unpack_from("=" + fmt, data)[0]))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: kvs_linkinfo.py DEV")
    try:
        index = socket.if_nametoindex(sys.argv[1])
    except OSError:
        sys.exit("kvs_linkinfo.py: no device %s" % sys.argv[1])
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    ifi = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)
    hdr = struct.pack("=IHHII", 16 + len(ifi), RTM_GETLINK, 1, 1, os.getpid())
    sk.send(hdr + ifi)
    msg = sk.recv(65536)
    length, mtype = struct.unpack_from("=IH", msg, 0)
    if mtype == NLMSG_ERROR:
        sys.exit("kvs_linkinfo.py: RTM_GETLINK failed")
    for atype, data in attrs(msg[32:length]):
        if atype != IFLA_LINKINFO:
            continue
        for itype, idata in attrs(data):
            if itype == INFO_KIND:
                print("kind=%s" % idata.rstrip(b"\0").decode())
            elif itype == INFO_SLAVE_KIND:
                print("slave_kind=%s" % idata.rstrip(b"\0").decode())
            elif itype == INFO_DATA:
                values(idata, SWITCH)
            elif itype == INFO_SLAVE_DATA:
                values(idata, PORT)


main()
