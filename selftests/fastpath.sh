#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fastpath.sh - the shorter paths of issue 9, each against what it must keep:
#  - the point-to-point highway: shown by `kvs net show` exactly while a
#    network's only members are two VM ports on a switch without a fabric;
#    counters exact, source checks, learning and isolation as elsewhere;
#  - the veth shortcut: a frame for a veth port enters its peer's receive
#    path without veth_xmit() (seen with the net_dev_start_xmit tracepoint), with the veth counters
#    (`ip -s link`) exact; a qdisc or a packet tap on the port make it take
#    the port's transmit path again; tc ingress on the peer still runs;
#  - the per-CPU batch: `batch N` set and shown, exact counters at 16 and
#    64, ports and switches deleted with frames in the queues.
#
#  vm1 (M1, mac M1) --P1--+                  +--P3-- vm3 (M3)
#                         | net 100   net 200|
#  vm2 (M2)         --P2--+  switch $SW      +--P4-- vm4 (M4, mac M4)
#  vm5 (M5) --P5-- joins net 100 for a while

# shellcheck disable=SC2317 # functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt jq tc tcpdump
kvs_load

SW=k${PID}s
NS1=kvs-fp-$PID-1
NS2=kvs-fp-$PID-2
NS3=kvs-fp-$PID-3
NS4=kvs-fp-$PID-4
NS5=kvs-fp-$PID-5
NS6=kvs-fp-$PID-6
M1=02:00:00:90:00:01
M2=02:00:00:90:00:02
M3=02:00:00:90:00:03
M4=02:00:00:90:00:04
M5=02:00:00:90:00:05
M9=02:00:00:90:00:09
BC=ff:ff:ff:ff:ff:ff
TAG=fp$PID
UP=k${PID}u

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NS1" "$SW" 100 10.9.0.1/24 $M1 mac $M1; P1=$VM_DEV
mk_vm "$NS2" "$SW" 100 10.9.0.2/24 $M2; P2=$VM_DEV
mk_vm "$NS3" "$SW" 200 10.9.0.3/24 $M3; P3=$VM_DEV
mk_vm "$NS4" "$SW" 200 10.9.0.4/24 $M4 mac $M4; P4=$VM_DEV

highway() { # highway NET : the JSON flag of network NET
	kj net show switch "$SW" | jq -r --argjson id "$1" '.[] | select(.net == $id) | .highway'
}

# veth counters as the host tools read them
vstat() { # vstat NETNS|- DEV rx|tx
	local out
	if [ "$1" = - ]; then
		out=$(ip -j -s link show dev "$2")
	else
		out=$(ip -n "$1" -j -s link show dev "$2")
	fi
	jq -r --arg d "$3" '.[0].stats64[$d].packets' <<<"$out"
}

# ---- the highway: set up and torn down --------------------------------------

check_eq "net 100 (two VM ports, no fabric) is a highway" "$(highway 100)" true
check_eq "net 200 too" "$(highway 200)" true
check_match "kvs net show says highway" '^net 100 .*highway' "$("$KVS" net show switch "$SW")"

mk_vm "$NS5" "$SW" 100 10.9.0.5/24 $M5; P5=$VM_DEV
check_eq "a third port: net 100 is no highway" "$(highway 100)" false
check_nomatch "kvs net show no longer says it" '^net 100 .*highway' "$("$KVS" net show switch "$SW")"
check_eq "net 200 still is" "$(highway 200)" true

# known unicast with three ports: only its port gets it
check "vm1 and vm2 ping each other (three ports)" \
	ip netns exec "$NS1" ping -c 2 -i 0.2 -W 5 10.9.0.2
sniff_start v2 "$NS2" "$TAG"
sniff_start v5 "$NS5" "$TAG"
send_frames "$NS1" $M1 $M2 7 "$TAG-a"
settle
check_sniff "known unicast reaches vm2 (7)" v2 "$TAG-a" 7
check_sniff "and not vm5" v5 "$TAG-a" 0

run "$KVS" port del dev "$P5"
check_eq "the third port gone: net 100 is a highway again" "$(highway 100)" true

ip link add name "$UP" type dummy && defer_link "$UP"
run ip addr add 192.0.2.1/24 dev "$UP"
run ip link set dev "$UP" up
check "a vxlan fabric port is added" \
	"$KVS" port add dev "$UP" switch "$SW" fabric vxlan local 192.0.2.1
check_eq "with a fabric: net 100 is no highway (floods go there too)" "$(highway 100)" false
check_eq "nor net 200" "$(highway 200)" false
check "the fabric port is deleted" "$KVS" port del dev "$UP"
check_eq "without it: net 100 is a highway again" "$(highway 100)" true
check_eq "and net 200" "$(highway 200)" true

# ---- the highway: counters, learning, source checks, isolation --------------

snap
rx1=$(stat_get "$P1" rx_packets); tx2=$(stat_get "$P2" tx_packets)
rx3=$(stat_get "$P3" rx_packets); sp1=$(stat_get "$P1" spoofed_src)
sp3=$(stat_get "$P3" spoofed_src); nr1=$(stat_get "$P1" no_route)
v2rx=$(vstat "$NS2" eth0 rx); p2tx=$(vstat - "$P2" tx)
sniff_start v2 "$NS2" "$TAG"
sniff_start v3 "$NS3" "$TAG"
sniff_start v4 "$NS4" "$TAG"
# 50 unicast, 20 broadcast, 30 to an unknown MAC from vm1; 10 forged sources
# from vm1 (its port allows M1 only); 10 from vm3 claiming vm4's configured MAC
send_frames "$NS1" $M1 $M2 50 "$TAG-u" + $M1 $BC 20 "$TAG-b" + \
	$M1 02:00:00:90:00:77 30 "$TAG-x" + $M9 $M2 10 "$TAG-s"
send_frames "$NS3" $M4 $M3 10 "$TAG-t"
settle
sniff_stop v2 v3 v4
snap
check_eq "highway: vm2 got the 50 unicast frames" "$(sniffed v2 "$TAG-u")" 50
check_eq "highway: vm2 got the 20 broadcasts" "$(sniffed v2 "$TAG-b")" 20
check_eq "highway: vm2 got the 30 frames to an unknown MAC" "$(sniffed v2 "$TAG-x")" 30
check_eq "highway: no forged-source frame reached vm2" "$(sniffed v2 "$TAG-s")" 0
check_eq "highway: nothing of net 100 reached net 200" \
	"$(($(sniffed v3 "$TAG-u") + $(sniffed v3 "$TAG-b") + $(sniffed v4 "$TAG-b") + $(sniffed v4 "$TAG-x")))" 0
check_eq "highway: a source claiming vm4's configured MAC reached nobody" \
	"$(($(sniffed v4 "$TAG-t") + $(sniffed v3 "$TAG-t")))" 0
check_eq "$P1 rx counts all 110 frames" "$(sub "$(stat_get "$P1" rx_packets)" "$rx1")" 110
check_eq "$P1 spoofed_src +10" "$(sub "$(stat_get "$P1" spoofed_src)" "$sp1")" 10
check_eq "$P1 no_route +0" "$(sub "$(stat_get "$P1" no_route)" "$nr1")" 0
check_eq "$P2 tx +100" "$(sub "$(stat_get "$P2" tx_packets)" "$tx2")" 100
check_eq "$P3 rx +10" "$(sub "$(stat_get "$P3" rx_packets)" "$rx3")" 10
check_eq "$P3 spoofed_src +10 (vm4's MAC is static on $P4)" \
	"$(sub "$(stat_get "$P3" spoofed_src)" "$sp3")" 10
check_eq "ip -s link: vm2's eth0 received 100 more" "$(sub "$(vstat "$NS2" eth0 rx)" "$v2rx")" 100
check_eq "ip -s link: $P2 sent 100 more" "$(sub "$(vstat - "$P2" tx)" "$p2tx")" 100
check "highway: M1 is learned on $P1 as elsewhere" fdb_on "$SW" 100 $M1 "$P1"
check "highway: ping vm2 -> vm1" ip netns exec "$NS2" ping -c 2 -i 0.2 -W 5 10.9.0.1
check "highway: M2 is learned on $P2" fdb_on "$SW" 100 $M2 "$P2"
check_fail "highway: vm1 cannot reach vm3 (another network)" \
	ip netns exec "$NS1" ping -c 1 -W 1 10.9.0.3

# a port without carrier is no destination, on the highway too
# (vm1's own ARP may add frames: each one counts too)
run ip -n "$NS2" link set dev eth0 down
snap; nr1=$(stat_get "$P1" no_route); rx1=$(stat_get "$P1" rx_packets)
send_frames "$NS1" $M1 $M2 5 "$TAG-d"
settle; snap
check_ge "highway: $P1 sent at least the 5 frames" "$(sub "$(stat_get "$P1" rx_packets)" "$rx1")" 5
check_eq "highway: every frame to a port without carrier counts no_route" \
	"$(sub "$(stat_get "$P1" no_route)" "$nr1")" "$(sub "$(stat_get "$P1" rx_packets)" "$rx1")"
run ip -n "$NS2" link set dev eth0 up
wait_until 5 ip netns exec "$NS1" ping -c 1 -W 1 10.9.0.2

# ---- the veth shortcut --------------------------------------------------------

TRACE=/sys/kernel/tracing
[ -d $TRACE/events ] || mount -t tracefs nodev $TRACE 2>/dev/null
EV=$TRACE/events/net/net_dev_start_xmit
if [ -w $EV/enable ] && echo 1 >$EV/enable 2>/dev/null; then
	defer_cmd "echo 0 > $EV/enable"
	# frames a device's driver was handed (veth_xmit()): the shortcut has none
	xmits() { grep -c "net_dev_start_xmit: dev=$1 " $TRACE/trace; }
	: >$TRACE/trace
	send_frames "$NS1" $M1 $M2 40 "$TAG-k"
	settle
	check_eq "shortcut: no veth_xmit() on $P2 for 40 frames to vm2" "$(xmits "$P2")" 0
	check_ge "(the tracepoint works: vm1's eth0 sent them with veth_xmit())" "$(xmits eth0)" 40
	# a qdisc on the port: its transmit path again, and the qdisc counts
	# (the debug kernel is built without qdiscs: said so, not failed)
	if tc qdisc add dev "$P2" root handle 1: pfifo; then
		: >$TRACE/trace
		send_frames "$NS1" $M1 $M2 40 "$TAG-q"
		settle
		check_eq "with a qdisc on $P2: 40 veth_xmit() on it" "$(xmits "$P2")" 40
		check_match "and the qdisc sent the 40 frames" 'Sent [0-9]+ bytes 40 pkt' \
			"$(tc -s qdisc show dev "$P2")"
		run tc qdisc del dev "$P2" root
		# tc ingress on the peer runs on the shortcut too (a bpf_redirect_peer() loop
		# through it is bounded: peerloop.sh)
		run tc -n "$NS2" qdisc add dev eth0 clsact
		run tc -n "$NS2" filter add dev eth0 ingress matchall action pass
		: >$TRACE/trace
		v2i=$(vstat "$NS2" eth0 rx)
		send_frames "$NS1" $M1 $M2 10 "$TAG-i"
		settle
		check_eq "with tc ingress on vm2's eth0: still no veth_xmit() on $P2" \
			"$(xmits "$P2")" 0
		check_match "and vm2's ingress filter saw the 10 frames" 'Sent [0-9]+ bytes 10 pkt' \
			"$(tc -n "$NS2" -s filter show dev eth0 ingress)"
		check_eq "and vm2's eth0 received them" "$(sub "$(vstat "$NS2" eth0 rx)" "$v2i")" 10
		run tc -n "$NS2" qdisc del dev eth0 clsact
	else
		skip "shortcut with a qdisc on the port, tc ingress on the peer" \
			"this kernel has no qdiscs (tc qdisc add failed)"
	fi
	: >$TRACE/trace
	send_frames "$NS1" $M1 $M2 10 "$TAG-j"
	settle
	check_eq "qdisc gone: the shortcut again" "$(xmits "$P2")" 0
else
	skip "shortcut: veth_xmit() calls counted" "no net_dev_start_xmit tracepoint on this kernel"
fi

# a packet tap on the port sees what the port sends: tcpdump on $P2
tcpdump -l -n -i "$P2" -c 15 ether proto 0x88b5 >"$TMPD/tcpdump" 2>/dev/null &
TD=$!
defer_pid $TD
nap 2
send_frames "$NS1" $M1 $M2 15 "$TAG-p"
wait_until 10 eval "! kill -0 $TD 2>/dev/null"
check_eq "tcpdump on $P2 saw the 15 frames it sent" "$(grep -c "$M1 > $M2" "$TMPD/tcpdump")" 15

# ---- the veth shortcut is invisible to a protocol-bound packet socket ----------------
# A packet socket bound with ETH_P_IP to $P2 sees what arrives on $P2 for the host: on
# the normal path kvs's rx_handler takes every frame of vm2 first, so it sees nothing.
# The shortcut's receive on the peer is a receive of its own (netif_receive_skb() on the
# peer), never a round on the device the frame came in on: the socket sees nothing with
# it either. The frames go to a port whose veth peer is in this namespace (a host-side
# container), where the socket would see them.
MH=02:00:00:90:00:68
defer_link "k${PID}h"
must ip link add "k${PID}h" type veth peer name "k${PID}H"
must ip link set "k${PID}H" address $MH
must ip link set "k${PID}h" up
must ip link set "k${PID}H" up
must "$KVS" port add dev "k${PID}h" switch "$SW" net 100
must "$KVS" fdb add $MH net 100 switch "$SW" dev "k${PID}h"	# known: unicast, the shortcut
python3 - "$P2" >"$TMPD/psock" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0x0800))
s.settimeout(0.5)
print("ready", flush=True)
n, end = 0, time.time() + 6
while time.time() < end:
    try:
        s.recv(2048)
        n += 1
    except socket.timeout:
        pass
print("count", n, flush=True)
EOF
psock=$!
defer_pid $psock
check_within "an ETH_P_IP packet socket is bound to $P2" 10 grep -q ready "$TMPD/psock"
hrx0=$(link_stat "k${PID}H" rx_packets)
must ip netns exec "$NS2" "$KVS_PKT" send eth0 $M2 $MH count 10 type 0x0800 tag "$TAG-ps"
wait $psock
_diag_out "$(cat "$TMPD/psock")"
check_ge "vm2's 10 frames reached k${PID}H" "$(sub "$(link_stat "k${PID}H" rx_packets)" "$hrx0")" 10
check_eq "the ETH_P_IP packet socket on $P2 saw none of them" \
	"$(sed -n 's/^count //p' "$TMPD/psock")" 0
run "$KVS" port del dev "k${PID}h"
run ip link del "k${PID}h"

# ---- a loop through the shortcut is bounded ----------------------------------------------
# A tenant with two ports in one netns (eth0 on $PB, eth1 on $PX) puts a tc ingress BPF
# program on eth0 that hands every frame to bpf_redirect_peer(eth1): it comes back into
# the switch on $PX at once, goes to $PB (its destination is static there), whose
# shortcut delivers it to eth0 at once, and so on. Each lap nests a receive inside the
# last: without a bound the stack overflows. kvs takes at most KVS_NEST_MAX shortcuts
# nested on a CPU; then the frame takes $PB's transmit path and veth's backlog, a fresh
# softirq round. The frame keeps going round (as it would through a bridge) until the
# filter goes; the host must stay up and answer meanwhile.
NSL=kvs-fp-$PID-l
ML=02:00:00:90:00:4c
mk_vm "$NSL" "$SW" 100 - $ML; PB=$VM_DEV
must ip link add "k${PID}x" type veth peer name eth1 netns "$NSL"
defer_link "k${PID}x"
# no IPv6 on them: its multicast would be flooded out of $PB, uncounted by the loop test
must ip link set "k${PID}x" addrgenmode none up
must ip -n "$NSL" link set eth1 addrgenmode none up
must "$KVS" port add dev "k${PID}x" switch "$SW" net 100; PX=k${PID}x
must "$KVS" fdb add $ML net 100 switch "$SW" dev "$PB"
# tc_prog PIN PROGRAM ARGS... : load a small tc (sched_cls) program and pin it at PIN.
#  peer IFINDEX: bpf_redirect_peer(IFINDEX), that is r1 = IFINDEX, r2 = 0, call
#    helper 155, exit;
#  frames IFINDEX DST,SRC...: for each pair, write DST and SRC over the frame's
#    addresses (bpf_skb_store_bytes, helper 9) and send a copy out of IFINDEX
#    (bpf_clone_redirect, helper 13); then drop the frame (TC_ACT_SHOT).
tc_prog() {
	python3 - "$@" <<'EOF'
import ctypes, os, struct, sys
pin, kind, ifindex = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
def insn(code, dst, src, off, imm):
    return struct.pack("<BBhi", code, dst | (src << 4), off, imm)
if kind == "peer":
    prog = insn(0xb7, 1, 0, 0, ifindex) + insn(0xb7, 2, 0, 0, 0) + \
           insn(0x85, 0, 0, 0, 155) + insn(0x95, 0, 0, 0, 0)
else:
    prog = insn(0xbf, 6, 1, 0, 0)                   # r6 = skb
    for pair in sys.argv[4:]:
        addrs = b"".join(bytes.fromhex(m.replace(":", "")) for m in pair.split(","))
        for i in range(3):                          # *(u32 *)(r10 - 16 + 4i) = ...
            prog += insn(0x62, 10, 0, -16 + 4 * i,
                         struct.unpack("<i", addrs[4 * i:4 * i + 4])[0])
        prog += insn(0xbf, 1, 6, 0, 0) + insn(0xb7, 2, 0, 0, 0) + \
                insn(0xbf, 3, 10, 0, 0) + insn(0x07, 3, 0, 0, -16) + \
                insn(0xb7, 4, 0, 0, 12) + insn(0xb7, 5, 0, 0, 0) + \
                insn(0x85, 0, 0, 0, 9)              # bpf_skb_store_bytes(skb, 0, r10 - 16, 12, 0)
        prog += insn(0xbf, 1, 6, 0, 0) + insn(0xb7, 2, 0, 0, ifindex) + \
                insn(0xb7, 3, 0, 0, 0) + insn(0x85, 0, 0, 0, 13)  # bpf_clone_redirect(skb, ifindex, 0)
    prog += insn(0xb7, 0, 0, 0, 2) + insn(0x95, 0, 0, 0, 0)     # return TC_ACT_SHOT
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(prog)
lic = ctypes.create_string_buffer(b"GPL")
log = ctypes.create_string_buffer(65536)
# union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns, license,
# log_level, log_size, log_buf (then zeros)
attr = struct.pack("<IIQQIIQ", 3, len(prog) // 8, ctypes.addressof(buf),
                   ctypes.addressof(lic), 1, len(log), ctypes.addressof(log))
attr = ctypes.create_string_buffer(attr + bytes(128 - len(attr)))
fd = libc.syscall(321, 5, attr, 128)  # bpf(BPF_PROG_LOAD)
if fd < 0:
    sys.exit("BPF_PROG_LOAD: %s %s" % (os.strerror(ctypes.get_errno()), log.value.decode()))
p = ctypes.create_string_buffer(pin)
attr = ctypes.create_string_buffer(struct.pack("<QI", ctypes.addressof(p), fd) + bytes(116))
if libc.syscall(321, 6, attr, 128) < 0:  # BPF_OBJ_PIN
    sys.exit("BPF_OBJ_PIN: %s" % os.strerror(ctypes.get_errno()))
EOF
}
# a bpffs of our own: tc -n remounts /sys in the namespace, hiding /sys/fs/bpf's pins
mkdir -p "$TMPD/bpf"
PIN=$TMPD/bpf/peerloop
BPFFS=
if mount -t bpf bpf "$TMPD/bpf" && defer_cmd "umount '$TMPD/bpf'"; then
	BPFFS=$TMPD/bpf
else
	check "a bpf filesystem for the tc programs" false
fi
if [ -z "$BPFFS" ]; then
	:
elif ! tc -n "$NSL" qdisc add dev eth0 clsact 2>/dev/null; then
	skip "a bpf_redirect_peer() loop through the shortcut" "this kernel has no clsact qdisc"
elif ! out=$(tc_prog "$PIN" peer "$(ip -n "$NSL" -j link show eth1 | jq '.[0].ifindex')" 2>&1); then
	_diag_out "$out"
	check "the loop's BPF program loads" false
else
	check "a tc ingress BPF program on the tenant's eth0: bpf_redirect_peer(eth1)" \
		tc -n "$NSL" filter add dev eth0 ingress bpf object-pinned "$PIN" da
	tx0=$(link_stat "$PB" tx_packets)
	# from vm2, with a source nobody uses (it moves to $PX on every lap)
	must ip netns exec "$NS2" "$KVS_PKT" send eth0 $M9 $ML count 1 tag "$TAG-loop"
	nap 2
	check_within "the host answers while the frame goes round: kvs port show" 10 \
		"$KVS" port show dev "$PX"
	# (not in net 100: a broadcast there would go round with it and reach every port
	# on every lap, as in a bridge loop; and not with ping: its SO_TIMESTAMP socket
	# flips a static key in netif_receive_skb(), and on 6.12-rt under TCG the text
	# patching while the loop runs that function oopsed once at its int3)
	sniff_start v4 "$NS4" "$TAG-l200"
	send_frames "$NS3" $M3 $M4 20 "$TAG-l200"
	settle
	sniff_stop v4
	check_eq "and vm3's frames still reach vm4 through the switch (net 200)" \
		"$(sniffed v4 "$TAG-l200")" 20
	laps=$(sub "$(link_stat "$PB" tx_packets)" "$tx0")
	check_ge "the frame went round through $PB (more than 100 laps)" "$laps" 100
	check "the filter is deleted" tc -n "$NSL" filter del dev eth0 ingress
	# (a lap already under way may still end on a busy host: quiet for a second, at last)
	check "the loop has ended: $PB sends nothing for a second" wait_until 20 link_quiet "$PB" tx_packets
fi
run "$KVS" port del dev "$PX"
run "$KVS" port del dev "$PB"
run ip netns del "$NSL"

# ---- the per-CPU batch -----------------------------------------------------------

check_eq "batch defaults to 1" "$(kj switch show "$SW" | jq -r '.[0].batch')" 1
kvs_usage_err "batch 0 is refused" '"batch" expects a number 1\.\.64' "$KVS" switch set "$SW" batch 0
kvs_usage_err "batch 65 is refused" '"batch" expects a number 1\.\.64' "$KVS" switch set "$SW" batch 65
for b in 16 64; do
	check "switch set batch $b" "$KVS" switch set "$SW" batch $b
	check_eq "switch show: batch $b" "$(kj switch show "$SW" | jq -r '.[0].batch')" $b
	check_match "text: batch $b" "^$SW: .* batch $b\$" "$("$KVS" switch show "$SW")"
	snap "$SW"
	rx1=$(stat_get "$P1" rx_packets); tx2=$(stat_get "$P2" tx_packets)
	tx3=$(stat_get "$P3" tx_packets); srx=$(swstat_get "$SW" rx_packets)
	v2rx=$(vstat "$NS2" eth0 rx)
	sniff_start v2 "$NS2" "$TAG"
	sniff_start v3 "$NS3" "$TAG"
	send_frames "$NS1" $M1 $M2 500 "$TAG-B$b" + $M1 $BC 100 "$TAG-C$b" + $M9 $M2 50 "$TAG-S$b"
	send_frames "$NS4" $M4 $BC 100 "$TAG-D$b"
	settle
	sniff_stop v2 v3
	snap "$SW"
	check_eq "batch $b: vm2 got 500 unicast" "$(sniffed v2 "$TAG-B$b")" 500
	check_eq "batch $b: vm2 got 100 broadcasts" "$(sniffed v2 "$TAG-C$b")" 100
	check_eq "batch $b: no forged frame" "$(sniffed v2 "$TAG-S$b")" 0
	check_eq "batch $b: vm3 got net 200's 100 broadcasts only" \
		"$(sniffed v3 "$TAG-D$b"):$(sniffed v3 "$TAG-C$b")" 100:0
	check_eq "batch $b: $P1 rx +650" "$(sub "$(stat_get "$P1" rx_packets)" "$rx1")" 650
	check_eq "batch $b: $P2 tx +600" "$(sub "$(stat_get "$P2" tx_packets)" "$tx2")" 600
	check_eq "batch $b: $P3 tx +100" "$(sub "$(stat_get "$P3" tx_packets)" "$tx3")" 100
	check_eq "batch $b: switch rx +750" "$(sub "$(swstat_get "$SW" rx_packets)" "$srx")" 750
	check_eq "batch $b: ip -s link, vm2's eth0 rx +600" "$(sub "$(vstat "$NS2" eth0 rx)" "$v2rx")" 600
done
check "batch 64: ping vm1 -> vm2" ip netns exec "$NS1" ping -c 3 -i 0.2 -W 5 10.9.0.2

# A frame goes where the frame before it on its CPU went when both came in on one port
# with the same two addresses (struct kvs_flow), in a batch pass or at batch 1 across
# softirqs. A frame in between that moves the destination must end that. A tenant's tc
# program on a veth of its own (t1) turns one frame into three out of its eth0, which
# reach the switch back to back: A->B (B is learned on vm2's port: to vm2), B->A (B
# moves to the tenant's port, where A is: a hairpin, dropped as no-route) and A->B again
# (B is behind the ingress now: a no-route drop too, not a frame for vm2).
memo_test() { # memo_test BATCH B_MAC
	local L="batch $1" NSM=kvs-fp-$PID-m MA=02:00:00:90:00:a1 MB=$2 PM rxm nrm out
	must "$KVS" switch set "$SW" batch "$1"
	mk_vm "$NSM" "$SW" 100 - $MA; PM=$VM_DEV
	must ip -n "$NSM" link add t0 type veth peer name t1
	# no IPv6: every frame t1 gets becomes three
	must ip -n "$NSM" link set t0 addrgenmode none up
	must ip -n "$NSM" link set t1 addrgenmode none up
	if [ -z "$BPFFS" ]; then
		check "$L: a move ends the memo (needs a bpf filesystem)" false
	elif ! tc -n "$NSM" qdisc add dev t1 clsact 2>/dev/null; then
		skip "$L: a move ends the memo" "this kernel has no clsact qdisc"
	elif ! out=$(tc_prog "$BPFFS/frames$1" frames \
			"$(ip -n "$NSM" -j link show eth0 | jq '.[0].ifindex')" \
			$MB,$MA $MA,$MB $MB,$MA 2>&1); then
		_diag_out "$out"
		check "the three-frame BPF program loads" false
	else
		# A and B known first: nothing the three frames learn anew can end the memo
		must ip netns exec "$NS2" "$KVS_PKT" send eth0 $MB $BC count 1 tag "$TAG-mb"
		must ip netns exec "$NSM" "$KVS_PKT" send eth0 $MA $BC count 1 tag "$TAG-ma"
		settle
		check_match "$L: $MB is learned on vm2's $P2" "dev $P2" \
			"$("$KVS" fdb show switch "$SW" | grep "$MB")"
		check_match "$L: $MA is learned on the tenant's $PM" "dev $PM" \
			"$("$KVS" fdb show switch "$SW" | grep "$MA")"
		check "a tc ingress program on the tenant's t1: frames A->B, B->A, A->B out of eth0" \
			tc -n "$NSM" filter add dev t1 ingress bpf object-pinned "$BPFFS/frames$1" da
		snap "$SW"
		rxm=$(stat_get "$PM" rx_packets); nrm=$(stat_get "$PM" no_route)
		sniff_start v2 "$NS2" "$TAG-memo$1"
		must ip netns exec "$NSM" "$KVS_PKT" send t0 02:00:00:90:00:c1 $BC count 1 tag "$TAG-memo$1"
		settle
		sniff_stop v2
		snap "$SW"
		check_eq "$L: the tenant's port got the three frames" \
			"$(sub "$(stat_get "$PM" rx_packets)" "$rxm")" 3
		check_eq "$L: vm2 got the first A->B only" "$(sniffed v2 "$TAG-memo$1")" 1
		check_eq "$L: B->A and the second A->B are no-route drops (hairpins)" \
			"$(sub "$(stat_get "$PM" no_route)" "$nrm")" 2
		check_match "$L: $MB moved to the tenant's $PM" "dev $PM" \
			"$("$KVS" fdb show switch "$SW" | grep "$MB")"
	fi
	run "$KVS" port del dev "$PM"
	run ip netns del "$NSM"
}
memo_test 1 02:00:00:90:00:b1
memo_test 64 02:00:00:90:00:b2

# The per-CPU queue is bounded by net.core.netdev_max_backlog, as the stack's own. pktgen
# (xmit_mode netif_receive, burst 32) hands $P1 32 frames to receive at a time with
# softirqs off, so the batch's NAPI cannot drain in between: with a backlog of 4, 28 of
# every 32 do not fit. What does not fit is a `backlog` drop of the port, and every frame
# the port handed over is either sent or counted.
if modprobe -q pktgen 2>/dev/null && [ -w /proc/net/pktgen/pgctrl ]; then
	PG=/proc/net/pktgen
	pg() { # pg FILE COMMAND : a pktgen command, its result checked
		echo "$2" >"$PG/$1" 2>/dev/null
		[ "$1" = pgctrl ] || grep -q '^Result: OK' "$PG/$1" ||
			fail "setup: pktgen $1: $2" "$(grep '^Result' "$PG/$1")"
	}
	bl_old=$(sysctl -n net.core.netdev_max_backlog)
	snap "$SW"
	rx1=$(stat_get "$P1" rx_packets); tx2=$(stat_get "$P2" tx_packets)
	bl1=$(stat_get "$P1" backlog)
	sysctl -qw net.core.netdev_max_backlog=4
	pg_bursts() { # pg_bursts DST : 100 bursts of 32 frames from vm1's MAC to DST into $P1
		local c
		pg kpktgend_0 rem_device_all
		pg kpktgend_0 "add_device $P1"
		# netif_receive before burst: a veth refuses bursts of start_xmit
		for c in "count 3200" "pkt_size 60" "xmit_mode netif_receive" "burst 32" "delay 0" \
			 "src_mac $M1" "dst_mac $1"; do
			pg "$P1" "$c"
		done
		pg pgctrl start
		pg kpktgend_0 rem_device_all
	}
	pg_bursts $M2
	settle
	sysctl -qw net.core.netdev_max_backlog="$bl_old"
	snap "$SW"
	rx=$(sub "$(stat_get "$P1" rx_packets)" "$rx1")
	tx=$(sub "$(stat_get "$P2" tx_packets)" "$tx2")
	bl=$(sub "$(stat_get "$P1" backlog)" "$bl1")
	diag "netdev_max_backlog 4, pktgen bursts of 32: $rx frames in, $tx out, $bl backlog drops"
	check_eq "backlog: pktgen's 3200 frames reached the switch" "$rx" 3200
	check_eq "backlog: every frame went to vm2 or is a backlog drop" "$(sum "$tx" "$bl")" "$rx"
	check_ge "backlog: the bounded queue overflowed (28 of 32 a burst at most fit 4)" "$bl" 2000

	# A pass floods a broadcast like the one before it without a look-up, but the
	# storm limit still counts each: 100 bursts of 32 broadcasts at bum-limit 10. A
	# third port in net 100 makes it a flood (with two, the point-to-point highway
	# sends it to the other port)
	mk_vm "$NS6" "$SW" 100 - $M5
	must "$KVS" port set dev "$P1" bum-limit 10
	snap "$SW"
	rx1=$(stat_get "$P1" rx_packets); tx2=$(stat_get "$P2" tx_packets)
	st1=$(stat_get "$P1" storm_limit)
	bl1=$(stat_get "$P1" backlog)
	pg_bursts $BC
	settle
	must "$KVS" port set dev "$P1" bum-limit 0
	snap "$SW"
	rx=$(sub "$(stat_get "$P1" rx_packets)" "$rx1")
	tx=$(sub "$(stat_get "$P2" tx_packets)" "$tx2")
	st=$(sub "$(stat_get "$P1" storm_limit)" "$st1")
	bl=$(sub "$(stat_get "$P1" backlog)" "$bl1")
	diag "bum-limit 10, pktgen bursts of 32 broadcasts: $rx in, $tx flooded to vm2, $st storm-limit drops, $bl backlog drops"
	check_eq "bum-limit: pktgen's 3200 broadcasts reached the switch" "$rx" 3200
	# a slow kernel may leave softirqs to ksoftirqd while pktgen goes on: the
	# queue then overflows, each such frame counted as a backlog drop
	check_eq "bum-limit: every one was flooded to vm2, or is a storm-limit or backlog drop" \
		"$(sum "$tx" "$st" "$bl")" "$rx"
	check_ge "bum-limit: frames after the first of a burst count too (3000 or more dropped)" "$st" 3000
	run "$KVS" port del dev "$VM_DEV"
	run ip netns del "$NS6"
else
	skip "the batch queue's bound" "no pktgen on this kernel"
fi

# frames in the queues when a port, then the switch, go away
ip netns exec "$NS1" "$KVS_PKT" send eth0 $M1 $M2 count 300000 tag "$TAG-z" >/dev/null 2>&1 &
FL=$!
defer_pid $FL
nap 1
check "batch 64: a port is deleted under a flood" "$KVS" port del dev "$P2"
check_fail "batch 64: the port is gone" "$KVS" port show dev "$P2"
mk_vm "$NS6" "$SW" 100 - $M5
nap 1
check "batch 64: the switch is deleted under the flood" "$KVS" switch del "$SW"
kill $FL 2>/dev/null; wait $FL 2>/dev/null	# frames in flight, no need to send them all
check "and a new switch with batch 16 works" "$KVS" switch add "$SW" batch 16
check_eq "its batch is 16" "$(kj switch show "$SW" | jq -r '.[0].batch')" 16
run "$KVS" switch del "$SW"

tests_done
