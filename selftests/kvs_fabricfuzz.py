#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
kvs_fabricfuzz.py - VXLAN frames, valid and malformed, crafted with scapy and
sent to a kvs fabric port, for fabricfuzz.sh.

  kvs_fabricfuzz.py -i IFACE -m UPLINK_MAC -s SRC_IP -d DST_IP [-p PORT]
                    -n VNI=MAC [-n VNI=MAC]... [-b VNI=MAC]... [-S SEED] [-P N]

-P N builds the first N random frames ("garbage") ahead, in a thread, while
the helper waits for commands.

Frames go out of IFACE (an AF_PACKET socket, one for the whole run) as
Ethernet / IPv4 SRC_IP > DST_IP / UDP PORT (4789) / VXLAN / inner frame,
to UPLINK_MAC. -n names a network of the switch and the static MAC of its one
VM port; -b a MAC that the switch has as a static remote entry in network VNI.

Commands come on stdin, one a line (scapy starts slowly in an emulated VM,
so one process serves the whole test):
  CLASS COUNT   send COUNT frames of CLASS, then print
                "sent CLASS COUNT INNER_BYTES INNER_HEX" (the sum of the
                inner frames' lengths, the last inner frame in hex);
                "garbage" first prints "expect KEY N" lines (below)
  pcap FILE     write the frames of the following commands to FILE too
                (to check them with tcpdump -r), "pcap -" to stop
  quit

CLASS: valid (VNI of the first -n, broadcast ARP), valid2 (the second -n),
unknown_vni (VNI 999), flags_noi (0x00), flags_g (0x88: G, the GBP flag),
flags_gpe (0x0c: the GPE P flag), flags_any (I plus one other bit, each in
turn), resv13 (bytes 1-3 not zero), resv7 (byte 7 not zero), short (UDP
payload of 0-7 bytes), runt (inner frame of 0-13 bytes), min (inner frame of
14 bytes), src_mcast, src_zero, src_static (the VM's static MAC as inner
source), link_local (inner destination 01:80:C2:00:00:0X), behind (inner
destination a -b MAC), qinq (0x88a8 + 0x8100 tags, all frames the same),
oversize (1600-byte inner frame), maxsize (1514 bytes), badcsum (wrong outer
UDP checksum), nocsum (outer UDP checksum 0, valid), otherport (UDP port
PORT + 1), many (VNI of the second -n, a new source each). Inner sources of
every class come from the pool 02:fa:<class number>:00:00:xx, never a
destination.

"garbage": random frames from SEED: random or scapy-fuzz()ed VXLAN headers,
VNIs, inner lengths, sources, destinations, tags and payloads (scapy fuzz()
of IPv4/IPv6/ARP/raw), some with a bad or no outer UDP checksum. Each
frame's fate is predicted from its bytes, per SPEC.md: a bad UDP checksum
never reaches kvs; then bad_encap (short, flags != 0x08, reserved bytes),
malformed (inner < 14 bytes), unknown_vni (kvs checks in that order); the
frame reaches the switch
(rx_packets, rx_bytes = inner length), then spoofed_src (multicast or zero
source), link_local, spoofed_src (a VM's static MAC in its network), learning
(the source, behind the fabric), no_route (destination behind the fabric:
-b or learned), else delivered to the VM port of the network (a unicast to
its MAC or a flood: it is the network's only local port) or mtu (above
1518 bytes: MTU 1500 + 18). KEY: U.COUNTER for the fabric port, VNI.tx_packets
and VNI.tx_bytes for the VM port of network VNI.
"""

import argparse
import random
import socket
import sys
import threading

from scapy.config import conf

conf.verb = 0
# pylint: disable=wrong-import-position
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import Raw, fuzz
from scapy.utils import PcapWriter

CLASSES = [
    "valid", "valid2", "unknown_vni", "flags_noi", "flags_g", "flags_gpe", "flags_any",
    "resv13", "resv7", "short", "runt", "min", "src_mcast", "src_zero", "src_static",
    "link_local", "behind", "qinq", "oversize", "maxsize", "badcsum", "nocsum",
    "otherport", "many", "garbage",
]
LIMIT = 1500 + 18       # the largest frame a VM port with MTU 1500 takes
BCAST = "ff:ff:ff:ff:ff:ff"


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.nets = []          # [(vni, static mac)]
        for n in args.net:
            vni, mac = n.split("=")
            self.nets.append((int(vni), mac.lower()))
        self.behind = {}        # vni -> set of MACs (static remote entries)
        for b in args.behind:
            vni, mac = b.split("=")
            self.behind.setdefault(int(vni), set()).add(mac.lower())
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((args.iface, 0))
        self.smac = mac_str(self.sock.getsockname()[4][:6])
        self.pcap = None
        # scapy's fuzz() draws from the random module: one seed for both
        random.seed(args.seed)
        self.rng = random
        self.sport = self.gsport = 49152

    # ---- frames ----------------------------------------------------------------

    def outer(self, dport=None, garbage=False):
        """Ethernet / IPv4 / UDP toward the fabric port, source port varying
        (the random frames have their own: they may be built in a thread)"""
        if garbage:
            self.gsport = 49152 + (self.gsport - 49151) % 16384
            sport = self.gsport
        else:
            self.sport = 49152 + (self.sport - 49151) % 16384
            sport = self.sport
        return (Ether(dst=self.args.mac, src=self.smac) /
                IP(src=self.args.src, dst=self.args.dst, flags="DF", ttl=64) /
                UDP(sport=sport, dport=dport or self.args.port))

    @staticmethod
    def vxlan(vni, flags=0x08, resv13=0, resv7=0):
        """An 8-byte VXLAN header. Flags are always given: scapy would set
        0x0c (VXLAN-GPE) on VXLAN()/Ether() otherwise."""
        if flags & 0x80:            # scapy's G layout: gpflags, gpid
            return VXLAN(flags=flags, gpflags=resv13 >> 16, gpid=resv13 & 0xffff,
                         vni=vni, reserved2=resv7)
        if flags & 0x04:            # scapy's GPE layout: reserved0, NextProtocol
            return VXLAN(flags=flags, reserved0=resv13 >> 8, NextProtocol=resv13 & 0xff,
                         vni=vni, reserved2=resv7)
        return VXLAN(flags=flags, reserved1=resv13, vni=vni, reserved2=resv7)

    @staticmethod
    def src(cls, i):
        return "02:fa:%02x:00:00:%02x" % (CLASSES.index(cls), i % 64)

    def arp(self, src, dst=BCAST):
        return Ether(dst=dst, src=src) / ARP(op=1, hwsrc=src, psrc="198.51.100.200",
                                             pdst="198.51.100.201")

    @staticmethod
    def pad_to(inner, length):
        b = bytes(inner)
        if len(b) < length:
            b += bytes((i * 7 + 1) & 0xff for i in range(length - len(b)))
        return Raw(b[:length])

    def frame(self, cls, i):
        """(outer frame, inner bytes) of frame i of cls"""
        vni = self.nets[0][0]
        static = self.nets[0][1]
        src = self.src(cls, i)
        inner = self.arp(src)
        o = self.outer()
        if cls == "valid":
            pass
        elif cls == "valid2":
            vni = self.nets[1][0]
        elif cls == "unknown_vni":
            vni = 999
        elif cls == "flags_noi":
            return self.encap(o, self.vxlan(vni, flags=0x00), inner)
        elif cls == "flags_g":
            return self.encap(o, self.vxlan(vni, flags=0x88), inner)
        elif cls == "flags_gpe":
            return self.encap(o, self.vxlan(vni, flags=0x0c), inner)
        elif cls == "flags_any":
            bit = [0x01, 0x02, 0x04, 0x10, 0x20, 0x40, 0x80][i % 7]
            return self.encap(o, self.vxlan(vni, flags=0x08 | bit), inner)
        elif cls == "resv13":
            r = [0x000001, 0x800000, 0x010000, 0x000100, 0xffffff][i % 5]
            return self.encap(o, self.vxlan(vni, resv13=r), inner)
        elif cls == "resv7":
            return self.encap(o, self.vxlan(vni, resv7=[0x01, 0x80, 0xff][i % 3]), inner)
        elif cls == "short":
            n = i % 8
            return o / Raw(bytes(self.vxlan(vni))[:n]), b""
        elif cls == "runt":
            inner = Raw(bytes(self.arp(src))[:i % 14])
        elif cls == "min":
            inner = Raw(bytes(self.arp(src))[:14])
        elif cls == "src_mcast":
            s = ["01:00:5e:00:00:01", BCAST, "33:33:00:00:00:01", "03:00:00:00:00:01"][i % 4]
            inner = self.arp(s)
        elif cls == "src_zero":
            inner = self.arp("00:00:00:00:00:00")
        elif cls == "src_static":
            inner = self.arp(static)
        elif cls == "link_local":
            inner = self.arp(src, dst="01:80:c2:00:00:%02x" % (i % 16))
        elif cls == "behind":
            inner = self.arp(src, dst=sorted(self.behind[vni])[0])
        elif cls == "qinq":
            inner = (Ether(dst=BCAST, src=self.src(cls, 0)) / Dot1AD(vlan=10, prio=3) /
                     Dot1Q(vlan=20) / IP(src="198.51.100.1", dst="198.51.100.2") /
                     UDP(sport=1234, dport=5678) / Raw(b"kvs-qinq" * 8))
        elif cls == "oversize":
            inner = self.pad_to(Ether(dst=BCAST, src=src, type=0x88b5), 1600)
        elif cls == "maxsize":
            inner = self.pad_to(Ether(dst=BCAST, src=src, type=0x88b5), 1514)
        elif cls == "badcsum":
            f, ib = self.encap(o, self.vxlan(vni), inner)
            good = Ether(bytes(f))[UDP].chksum
            f[UDP].chksum = good ^ 0x5a5a
            return f, ib
        elif cls == "nocsum":
            o[UDP].chksum = 0
        elif cls == "otherport":
            o = self.outer(dport=self.args.port + 1)
        elif cls == "many":
            vni = self.nets[1][0]   # a new source each (i < 64)
        else:
            raise ValueError("no class " + cls)
        return self.encap(o, self.vxlan(vni), inner)

    @staticmethod
    def encap(o, vx, inner):
        b = bytes(inner)
        return o / vx / Raw(b), b

    # ---- garbage and its prediction ---------------------------------------------

    def garbage_one(self, learned, exp):
        r = self.rng
        o = self.outer(garbage=True)
        vnis = [v for v, _ in self.nets]
        # the VNI, the header
        k = r.randrange(100)
        vni = r.choice(vnis) if k < 75 else 999 if k < 85 else r.randrange(1 << 24)
        k = r.randrange(100)
        if k < 70:
            hdr = bytes(self.vxlan(vni))
        elif k < 78:        # scapy's own random VXLAN header
            hdr = bytes(fuzz(VXLAN()))[:8]
        elif k < 84:
            hdr = bytes(self.vxlan(vni, flags=r.randrange(256)))
        elif k < 90:
            hdr = bytes(self.vxlan(vni, resv13=r.randrange(1, 1 << 24)))
        elif k < 95:
            hdr = bytes(self.vxlan(vni, resv7=r.randrange(1, 256)))
        else:
            hdr = bytes(self.vxlan(vni))[:r.randrange(8)]
        # the inner frame: destination, source, tags, payload
        static = dict(self.nets)
        k = r.randrange(100)
        if k < 25:
            dst = BCAST
        elif k < 35:
            dst = mac_str([r.randrange(256) | 1] + [r.randrange(256) for _ in range(5)])
            if dst.startswith("01:80:c2:00:00:0"):
                dst = "01:80:c2:00:00:10"
        elif k < 50:
            dst = "02:dd:" + mac_str([r.randrange(256) for _ in range(4)])
        elif k < 70:
            dst = r.choice(list(static.values()))
        elif k < 78:
            dst = "01:80:c2:00:00:%02x" % r.randrange(16)
        elif k < 86 and self.behind:
            dst = sorted(r.choice(list(self.behind.values())))[0]
        else:       # a source of the pool: learned (behind the fabric) or not yet
            dst = "02:fc:00:00:00:%02x" % r.randrange(32)
        k = r.randrange(100)
        if k < 70:
            src = "02:fc:00:00:00:%02x" % r.randrange(32)
        elif k < 78:
            src = mac_str([r.randrange(256) | 1] + [r.randrange(256) for _ in range(5)])
        elif k < 84:
            src = "00:00:00:00:00:00"
        else:       # the static MAC of the frame's network, if it is one
            src = static.get(vni, "02:fc:00:00:00:%02x" % r.randrange(32))
        k = r.randrange(100)
        if k < 30:
            pay = fuzz(IP()) / fuzz(UDP()) if r.randrange(2) else fuzz(IP())
        elif k < 45:
            pay = fuzz(IPv6())
        elif k < 55:
            pay = fuzz(ARP())
        else:
            pay = Raw(r.randbytes(r.randrange(64)))
        eth = Ether(dst=dst, src=src)
        k = r.randrange(100)
        if k < 10:
            eth = eth / Dot1Q(vlan=r.randrange(4096), prio=r.randrange(8))
        elif k < 15:
            eth = eth / Dot1AD(vlan=r.randrange(4096)) / Dot1Q(vlan=r.randrange(4096))
        inner = bytes(eth / pay)
        k = r.randrange(100)
        if k < 10:
            length = r.randrange(14)
        elif k < 20:
            length = r.randrange(14, 60)
        elif k < 85:
            length = r.randrange(60, 1515)
        else:       # above the VM's 1518, off the edge where tags could matter
            length = r.randrange(1523, 1700)
        if len(inner) < length:
            inner += r.randbytes(length - len(inner))
        inner = inner[:length]
        if len(hdr) < 8 and r.randrange(2):
            inner = b""             # a UDP payload shorter than a VXLAN header
        # what kvs sees: 8 bytes of header, the rest is the inner frame (a
        # header that came out short takes the inner frame's first bytes)
        payload = hdr + inner
        f = o / Raw(payload)
        k = r.randrange(100)
        if k < 3:
            good = Ether(bytes(f))[UDP].chksum
            f[UDP].chksum = good ^ 0x0101 or 0x1234
            return f, payload[8:]   # the UDP layer drops it: kvs sees nothing
        if k < 8:
            f[UDP].chksum = 0       # no checksum: valid over IPv4
        self.predict(payload, learned, exp)
        return f, payload[8:]

    def predict(self, payload, learned, exp):
        def add(key, n=1):
            exp[key] = exp.get(key, 0) + n

        hdr, inner = payload[:8], payload[8:]
        if len(hdr) < 8 or hdr[0] != 0x08 or hdr[1:4] != b"\0\0\0" or hdr[7] != 0:
            add("U.bad_encap")
            return
        # kvs checks the inner frame's length before it looks the VNI up
        if len(inner) < 14:
            add("U.malformed")
            return
        vni = int.from_bytes(hdr[4:7], "big")
        static = dict(self.nets)
        if vni not in static:
            add("U.unknown_vni")
            return
        add("U.rx_packets")
        add("U.rx_bytes", len(inner))
        dst, src = mac_str(inner[0:6]), mac_str(inner[6:12])
        if inner[6] & 1 or src == "00:00:00:00:00:00":
            add("U.spoofed_src")
            return
        if dst.startswith("01:80:c2:00:00:0"):
            add("U.link_local")
            return
        if src == static[vni]:
            add("U.spoofed_src")
            return
        learned.add((vni, src))
        if dst in self.behind.get(vni, ()) or (vni, dst) in learned:
            add("U.no_route")
            return
        # the VM's own MAC or a flood: either way the network's one VM port
        if len(inner) > LIMIT:
            add("U.mtu")
            return
        add("%d.tx_packets" % vni)
        add("%d.tx_bytes" % vni, len(inner))

    # ---- commands --------------------------------------------------------------------

    def send(self, f):
        b = f if isinstance(f, bytes) else bytes(f)
        self.sock.send(b)
        if self.pcap:
            self.pcap.write(Ether(b))

    def garbage_frames(self):
        """the random frames in order, forever: (frame, inner frame, what it adds to EXPECT)"""
        learned = set()
        while True:
            exp = {}
            f, inner = self.garbage_one(learned, exp)
            yield bytes(f), inner, exp

    def pregenerate(self, count):
        """build the first COUNT random frames in a thread, only while the
        helper waits for a command (scapy is slow in an emulated VM)"""
        def build():
            for _ in range(count):
                self.idle.wait()
                self.pre.append(next(self.gen))

        self.pre = []
        self.pre_thread = threading.Thread(target=build, daemon=True)
        self.pre_thread.start()

    def run(self):
        self.gen = self.garbage_frames()
        self.pre, self.pre_thread = [], None
        self.idle = threading.Event()
        if self.args.pregen:
            self.pregenerate(self.args.pregen)
        while True:
            self.idle.set()
            line = sys.stdin.readline()     # one command at a time, unbuffered
            self.idle.clear()
            if not line:
                break
            w = line.split()
            if not w:
                continue
            if w[0] == "quit":
                break
            if w[0] == "pcap":
                if self.pcap:
                    self.pcap.close()
                self.pcap = PcapWriter(w[1], sync=True) if w[1] != "-" else None
                print("pcap %s" % w[1], flush=True)
                continue
            cls, count = w[0], int(w[1])
            total, last = 0, b""
            if cls == "garbage":
                if self.pre_thread:
                    self.idle.set()
                    self.pre_thread.join()
                    self.pre_thread = None
                frames, self.pre = self.pre[:count], self.pre[count:]
                frames += [next(self.gen) for _ in range(count - len(frames))]
                exp = {}
                for f, last, e in frames:
                    total += len(last)
                    self.send(f)
                    for key, n in e.items():
                        exp[key] = exp.get(key, 0) + n
                for key in sorted(exp):
                    print("expect %s %d" % (key, exp[key]))
            elif cls in CLASSES:
                for i in range(count):
                    f, last = self.frame(cls, i)
                    total += len(last)
                    self.send(f)
            else:
                print("error: no class %s" % cls, flush=True)
                continue
            print("sent %s %d %d %s" % (cls, count, total, last.hex() or "-"), flush=True)


def main():
    p = argparse.ArgumentParser(description="VXLAN frames toward a kvs fabric port")
    p.add_argument("-i", "--iface", required=True)
    p.add_argument("-m", "--mac", required=True, help="the uplink's MAC")
    p.add_argument("-s", "--src", required=True, help="outer source IPv4 address")
    p.add_argument("-d", "--dst", required=True, help="kvs's local address")
    p.add_argument("-p", "--port", type=int, default=4789)
    p.add_argument("-n", "--net", action="append", default=[], help="VNI=MAC of its VM")
    p.add_argument("-b", "--behind", action="append", default=[],
                   help="VNI=MAC of a static remote entry")
    p.add_argument("-S", "--seed", type=int, default=1)
    p.add_argument("-P", "--pregen", type=int, default=0,
                   help="random frames to build ahead, in a thread")
    args = p.parse_args()
    if len(args.net) < 2:
        p.error("two -n VNI=MAC are needed")
    Fuzzer(args).run()


if __name__ == "__main__":
    main()
