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
#
# kvs_linkinfo.py add|set NAME [ageing N] [batch N] [attr TYPE N]...:
# RTM_NEWLINK of kind kvs with these IFLA_INFO_DATA attributes (u32; "attr"
# any type), as `ip link add|set NAME type kvs ...` would send them if ip
# knew the kind; prints "ok", or "error ERRNO: EXTACK MESSAGE" and exits 1.

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


IFLA_IFNAME, NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL = 3, 1, 4, 0x400, 0x200
RTM_NEWLINK, NLMSGERR_ATTR_MSG, NLM_F_ACK_TLVS, NETLINK_EXT_ACK = 16, 1, 0x200, 11


def attr(atype, payload):
    data = struct.pack("=HH", 4 + len(payload), atype) + payload
    return data + b"\0" * (-len(data) % 4)


def newlink(op, name, args):
    data = b""
    names = {"ageing": 1, "batch": 2}
    while args:
        if args[0] == "attr":
            data += attr(int(args[1]), struct.pack("=I", int(args[2])))
            args = args[3:]
        else:
            data += attr(names[args[0]], struct.pack("=I", int(args[1])))
            args = args[2:]
    linkinfo = attr(INFO_KIND, b"kvs\0") + attr(INFO_DATA | 0x8000, data)
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    body += attr(IFLA_IFNAME, name.encode() + b"\0") + attr(IFLA_LINKINFO | 0x8000, linkinfo)
    flags = NLM_F_REQUEST | NLM_F_ACK
    if op == "add":
        flags |= NLM_F_CREATE | NLM_F_EXCL
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sk.setsockopt(270, NETLINK_EXT_ACK, 1)
    sk.send(struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, flags, 1, 0) + body)
    msg = sk.recv(65536)
    length, mtype, mflags = struct.unpack_from("=IHH", msg, 0)
    err = struct.unpack_from("=i", msg, 16)[0] if mtype == NLMSG_ERROR else -1
    if err == 0:
        print("ok")
        return
    text = ""
    if mflags & NLM_F_ACK_TLVS:
        olen = struct.unpack_from("=I", msg, 20)[0]
        for atype, adata in attrs(msg[20 + olen:length]):
            if atype == NLMSGERR_ATTR_MSG:
                text = adata.rstrip(b"\0").decode()
    print("error %d: %s" % (-err, text))
    sys.exit(1)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] in ("add", "set"):
        newlink(sys.argv[1], sys.argv[2], sys.argv[3:])
        return
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
