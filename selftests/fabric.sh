#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fabric.sh - the kvs VXLAN fabric against the Linux vxlan device, IPv4 then
# IPv6 underlay (issue 8): the fabric port (show, one per switch, not the
# uplink's master, the uplink's own IP traffic untouched), traffic both ways
# in two networks and their isolation (one IP subnet for both), the VNI on
# the wire, learning of remote MACs, static remote entries, the flood list
# (head-end replication), split horizon, spoofed sources from the fabric,
# the underlay MTU, iperf3 TCP both ways (GSO and checksum offload),
# `learning off` with a gateway, no_route without any fabric target, and
# cleanup by port deletion, uplink deletion, switch deletion and netns
# deletion.
#
#  init netns ("hv")                                  netns srv (a Linux host)
#  +-----+ +-----+ +-----+ +-----+                     +-----+        +-----+
#  | va  | | vb  | | vc  | | vd  |  VMs (netns, eth0)  | s1  | .111   | s2  | .211
#  | .101| | .102| | .201| |     |                     +--|--+        +--|--+
#  +--|--+ +--|--+ +--|--+ +--|--+                     +--|-----+  +-----|--+
#  +--|-------|-------|-------|---+                    | br100  |  | br200  |
#  |  $PA     $PB     $PC     $PD |                    | vx100  |  | vx200  |  vni 100/200,
#  |  net 100 net 100 net 200 300 |                    |(vx6100)|  |(vx6200)|  port 4789,
#  |        switch $SW            |                    +---|----+  +---|----+  local .2
#  |   fabric port $U: UDP socket |  - - VXLAN/UDP - - - - + - - - - - +       (::2 later)
#  +-------------|----------------+                    +------- bridge ul -----+
#        $U 192.0.2.1/24 ======== veth ======== eth0 --+ 192.0.2.2/24          |
#           2001:db8:1::1/64                           | 2001:db8:1::2/64      |
#                                                      +---------|------ eth2 -+
#        $U2 2001:db8:2::1/64 === veth ===+                      | veth
#        (a second fabric is refused;     |            +---------|-------------+
#         $SW2's uplink, then deleted)    +--- eth1 ---+ eth0 192.0.2.3/24     |
#                                                      | vx100 (vni 100, a     |
#                                                      |  flood-list member)   |
#                                                      +------ netns srv2 -----+
#
# Both networks use 198.51.100.0/24 (net 100: .1xx, net 200: .2xx): an ARP
# request leaking across networks would be answered. Every VM (and srv2's
# vx100) runs a kvs_pkt sniffer for the whole test, so tagged frames are
# counted exactly (nothing else matches). Phases: IPv4 fabric with the
# gateway `remote 192.0.2.2`; `learning off`; IPv6 `local 2001:db8:1::1`
# without a gateway, a flood list per network (srv moves its bridges to
# vx6100/vx6200), net 300 with a single VM and no fabric target; teardown;
# a netns holding a switch with a fabric is deleted last.

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt tcpdump iperf3
kvs_load

SW=k${PID}s
SW2=k${PID}t
SWN=k${PID}n
U=k${PID}u
U2=k${PID}w
UX=k${PID}x
PA=k${PID}v1
PB=k${PID}v2
PC=k${PID}v3
PD=k${PID}v4
NS_A=kvs-fab-$PID-va
NS_B=kvs-fab-$PID-vb
NS_C=kvs-fab-$PID-vc
NS_D=kvs-fab-$PID-vd
NS_SRV=kvs-fab-$PID-srv
NS_S1=kvs-fab-$PID-s1
NS_S2=kvs-fab-$PID-s2
NS_SRV2=kvs-fab-$PID-srv2
NS_X=kvs-fab-$PID-x
M_A=02:00:00:88:00:0a
M_B=02:00:00:88:00:0b
M_C=02:00:00:88:00:0c
M_D=02:00:00:88:00:0d
M_S1=02:00:00:88:01:01
M_S2=02:00:00:88:01:02
M_Z=02:00:00:88:0f:01	# a static remote entry (at srv2)
M_U=02:00:00:88:0f:99	# nobody
BC=ff:ff:ff:ff:ff:ff
ZERO=00:00:00:00:00:00
IP_A=198.51.100.101
IP_B=198.51.100.102
IP_C=198.51.100.201
IP_S1=198.51.100.111
IP_S2=198.51.100.211
L4=192.0.2.1
R4=192.0.2.2
R4B=192.0.2.3
L6=2001:db8:1::1
R6=2001:db8:1::2
L6B=2001:db8:2::1
R6B=2001:db8:2::2
TAG=f$PID
FLEN=60		# kvs_pkt's frame length (the tags are short)

# ---- helpers ---------------------------------------------------------------------
# Starting a program is what costs in an emulated VM: state is read with one
# `kvs -j -b -` and one jq (fsnap) and then queried with builtins.

# fsnap : switches, ports, fdb and counters into SNAP, lines of
#   S|ifname|ageing
#   P|ifname|switch|type|encap|local|remote|dstport
#   F|switch|net|mac|dev DEV STATE or remote ADDR STATE
#   T|ifname|rx_packets|rx_bytes|tx_packets|tx_bytes|no_route|spoofed_src|mtu
# each ending with "|$"
fsnap() {
	local out
	out=$("$KVS" -j -b - <<<$'switch show\nport show\nfdb show\nstats show' 2>&1)
	SNAP=$(jq -r -s '
		def n: if . == null then "none" else tostring end;
		def arr: if type == "array" then . else [.] end;
		(.[0] // [] | arr[] | "S|\(.ifname)|\(.ageing | n)"),
		(.[1] // [] | arr[] | "P|\(.ifname)|\(.switch | n)|\(.type | n)|\(.encap | n)|\(.local | n)|\(.remote | n)|\(.dstport | n)"),
		(.[2] // [] | arr[] | "F|\(.switch | n)|\(.net)|\(.mac)|" +
			(if .remote then "remote \(.remote)" else "dev \(.ifname | n)" end) + " \(.state | n)" +
			(if .origin then " origin \(.origin)" else "" end)),
		(.[3] // [] | arr[] | "T|\(.ifname)|" + (.stats64 // {} |
			"\(.rx.packets | n)|\(.rx.bytes | n)|\(.tx.packets | n)|\(.tx.bytes | n)|\(.drops.no_route | n)|\(.drops.spoofed_src | n)|\(.drops.mtu | n)"))
		| . + "|$"' <<<"$out" 2>&1)
}

mark() { fsnap; SNAP0=$SNAP; }	# mark : fsnap, kept as the base of delta

_get() { # _get PREFIX N : field N of the first SNAP line starting with PREFIX
	_snap_find "$1" && _field "$LINE" "$2" || echo none
}

fab() { # fab DEV : "TYPE ENCAP LOCAL REMOTE DSTPORT" of port DEV
	local f
	_snap_find "P|$1|" || { echo none; return; }
	IFS='|' read -r -a f <<<"$LINE"
	echo "${f[3]} ${f[4]} ${f[5]} ${f[6]} ${f[7]}"
}

fdbx() { _get "F|$1|$2|$3|" 4; }	# fdbx SWITCH NET MAC : "dev DEV STATE", "remote ADDR STATE" or none

flood() { # flood SWITCH NET : the flood-list members as "ADDR/STATE", sorted
	local l f d out=()
	while IFS= read -r l; do
		[[ $l == "F|$1|$2|$ZERO|"* ]] || continue
		IFS='|' read -r -a f <<<"$l"
		read -r -a d <<<"${f[4]}"
		out+=("${d[1]}/${d[2]}")
	done <<<"$SNAP"
	_sorted "${out[@]}"
}

fdb_n() { # fdb_n SWITCH [dev|remote] : how many entries SWITCH has (local, remote)
	local l f n=0
	while IFS= read -r l; do
		[[ $l == "F|$1|"* ]] || continue
		IFS='|' read -r -a f <<<"$l"
		[[ -z ${2:-} || ${f[4]} == "$2 "* ]] && n=$((n + 1))
	done <<<"$SNAP"
	echo $n
}

_ctr_i() { # counter name -> field of a T line
	case $1 in
	rx_packets) echo 2 ;; rx_bytes) echo 3 ;; tx_packets) echo 4 ;; tx_bytes) echo 5 ;;
	no_route) echo 6 ;; spoofed_src) echo 7 ;; mtu) echo 8 ;; *) echo 99 ;;
	esac
}
ctr() { _get "T|$1|" "$(_ctr_i "$2")"; }	# ctr DEV COUNTER
delta() { sub "$(ctr "$1" "$2")" "$(SNAP=$SNAP0 ctr "$1" "$2")"; }	# since mark

# pingn NETNS ADDR [PING_ARGS...] : 2 of 2 echo requests answered (NETNS "-":
# the init netns)
pingn() {
	local ns=$1 addr=$2 out pre=()
	shift 2
	[ "$ns" != - ] && pre=(ip netns exec "$ns")
	out=$("${pre[@]}" ping -q -n -c 2 -i 0.2 -W 2 "$@" "$addr" 2>&1)
	[[ $out == *" 2 received"* ]] && return 0
	echo "${out##*---}"
	return 1
}

# udp_hex ADDR : ADDR as /proc/net/udp{,6} shows a local address (each 32-bit
# word in host byte order, x86 is little-endian), in UHEX
udp_hex() {
	local addr=$1 hex='' w i n g
	local -a h=() t=() all=()
	if [[ $addr != *:* ]]; then
		IFS=. read -r -a h <<<"$addr"
		printf -v UHEX '%02X%02X%02X%02X' "${h[3]}" "${h[2]}" "${h[1]}" "${h[0]}"
		return
	fi
	if [[ $addr == *::* ]]; then
		[ -n "${addr%%::*}" ] && IFS=: read -r -a h <<<"${addr%%::*}"
		[ -n "${addr#*::}" ] && IFS=: read -r -a t <<<"${addr#*::}"
	else
		IFS=: read -r -a h <<<"$addr"
	fi
	all=("${h[@]}")
	n=$((8 - ${#h[@]} - ${#t[@]}))
	for ((i = 0; i < n; i++)); do all+=(0); done
	all+=("${t[@]}")
	for g in "${all[@]}"; do
		printf -v w '%04X' "0x$g"
		hex+=$w
	done
	UHEX=
	for ((i = 0; i < 32; i += 8)); do
		w=${hex:i:8}
		UHEX+=${w:6:2}${w:4:2}${w:2:2}${w:0:2}
	done
}

# bound [NETNS] ADDR PORT : a UDP socket is bound to ADDR:PORT (/proc/net/udp{,6})
bound() {
	local tab file=udp port
	if [ $# -gt 2 ]; then
		tab=$(ip netns exec "$1" cat /proc/net/udp /proc/net/udp6)
		shift
	fi
	[[ $1 == *:* ]] && file=udp6
	[ -n "${tab:-}" ] || tab=$(<"/proc/net/$file")
	udp_hex "$1"
	printf -v port '%04X' "$2"
	[[ $tab == *" $UHEX:$port "* ]]
}
unbound() { ! bound "$@"; }

# seen NAME TAG : frames tagged exactly TAG that sniffer NAME printed so far
seen() { count_lines "^frame .* $2 seq [0-9]+\$" "$(<"$TMPD/sniff.$1")"; }

SNIFFERS=(a b c s1 s2 z)
seen_all() { # seen_all TAG : "name:count ..." for every sniffer
	local n out=
	for n in "${SNIFFERS[@]}"; do
		out+="$n:$(seen "$n" "$1") "
	done
	echo "${out% }"
}

# wait_seen NAME TAG COUNT : until sniffer NAME saw COUNT frames tagged TAG
wait_seen() { wait_until 5 eval "[ \"\$(seen $1 $2)\" -ge $3 ]"; }

# no_reach NETNS ADDR : no echo reply; then the failed ARP entry is dropped
# (its retries would be stray broadcasts in later counts)
no_reach() {
	local rc=0
	nsping_none "$1" "$2" || rc=1
	ip -n "$1" neigh flush to "$2" dev eth0 >/dev/null 2>&1
	return "$rc"
}

pkt() { # pkt NETNS ARGS... : kvs_pkt send eth0 ARGS in NETNS
	local ns=$1
	shift
	run ip netns exec "$ns" "$KVS_PKT" send eth0 "$@"
}

# ---- topology --------------------------------------------------------------------

mk_ns "$NS_A" "$NS_B" "$NS_C" "$NS_D" "$NS_SRV" "$NS_S1" "$NS_S2" "$NS_SRV2"
for d in "$U" "$U2" "$PA" "$PB" "$PC" "$PD"; do
	defer_link "$d"
done
ipb <<EOF
link add $U type veth peer name eth0 netns $NS_SRV
link add $U2 type veth peer name eth1 netns $NS_SRV2
link add $PA type veth peer name eth0 netns $NS_A
link add $PB type veth peer name eth0 netns $NS_B
link add $PC type veth peer name eth0 netns $NS_C
link add $PD type veth peer name eth0 netns $NS_D
link set dev $U addrgenmode none
link set dev $U2 addrgenmode none
addr add $L4/24 dev $U
addr add $L6/64 dev $U nodad
addr add $L6B/64 dev $U2 nodad
link set dev $U up
link set dev $U2 up
link set dev $PA addrgenmode none up
link set dev $PB addrgenmode none up
link set dev $PC addrgenmode none up
link set dev $PD addrgenmode none up
EOF
# srv: an underlay bridge (srv2 hangs off it) and two tenant bridges, each
# with a vxlan device (IPv4 now, IPv6 later) and a VM
ipb -n "$NS_SRV" <<EOF
link add ul type bridge mcast_snooping 0
link add eth2 type veth peer name eth0 netns $NS_SRV2
link add br100 type bridge mcast_snooping 0
link add br200 type bridge mcast_snooping 0
link add vx100 type vxlan id 100 dstport 4789 local $R4 remote $L4 ttl 64
link add vx200 type vxlan id 200 dstport 4789 local $R4 remote $L4 ttl 64
link add vx6100 type vxlan id 100 dstport 4789 local $R6 remote $L6 ttl 64
link add vx6200 type vxlan id 200 dstport 4789 local $R6 remote $L6 ttl 64
link add p1 type veth peer name eth0 netns $NS_S1
link add p2 type veth peer name eth0 netns $NS_S2
link set dev ul addrgenmode none
link set dev eth0 addrgenmode none
link set dev eth2 addrgenmode none
link set dev br100 addrgenmode none
link set dev br200 addrgenmode none
link set dev vx100 addrgenmode none
link set dev vx200 addrgenmode none
link set dev vx6100 addrgenmode none
link set dev vx6200 addrgenmode none
link set dev p1 addrgenmode none
link set dev p2 addrgenmode none
link set dev vx100 mtu 1450
link set dev vx200 mtu 1450
link set dev vx6100 mtu 1430
link set dev vx6200 mtu 1430
link set dev eth0 master ul
link set dev eth2 master ul
link set dev vx100 master br100
link set dev p1 master br100
link set dev vx200 master br200
link set dev p2 master br200
addr add $R4/24 dev ul
addr add $R6/64 dev ul nodad
link set dev eth0 up
link set dev eth2 up
link set dev ul up
link set dev br100 up
link set dev br200 up
link set dev vx100 up
link set dev vx200 up
link set dev p1 up
link set dev p2 up
EOF
ipb -n "$NS_SRV2" <<EOF
link add vx100 type vxlan id 100 dstport 4789 local $R4B nolearning
link set dev eth0 addrgenmode none
link set dev eth1 addrgenmode none
link set dev vx100 addrgenmode none
addr add $R4B/24 dev eth0
link set dev eth0 up
link set dev eth1 up
link set dev vx100 up
EOF
vm_eth0() { # vm_eth0 NETNS MAC IP|- [MTU] : the VM's eth0, quiet (no IPv6, no unicast ARP probes)
	local ip=
	[ "$3" != - ] && ip="addr add $3/24 dev eth0"$'\n'
	ipb -n "$1" <<-EOF
	ntable change name arp_cache dev eth0 ucast_probes 0
	link set dev eth0 addrgenmode none
	link set dev eth0 address $2
	link set dev eth0 mtu ${4:-1500}
	${ip}link set dev eth0 up
	EOF
}
vm_eth0 "$NS_A" $M_A $IP_A
vm_eth0 "$NS_B" $M_B $IP_B
vm_eth0 "$NS_C" $M_C $IP_C
vm_eth0 "$NS_D" $M_D -
vm_eth0 "$NS_S1" $M_S1 $IP_S1 1450
vm_eth0 "$NS_S2" $M_S2 $IP_S2 1450

check "before the fabric: ping $R4 from the init netns over $U" pingn - $R4
check "before the fabric: ping $R6 from the init netns over $U" pingn - $R6

defer_link "$SW"
must "$KVS" -b - <<EOF
switch add $SW
net add 100 switch $SW
net add 200 switch $SW
net add 300 switch $SW
port add dev $PA switch $SW net 100 mac $M_A
port add dev $PB switch $SW net 100 mac $M_B
port add dev $PC switch $SW net 200 mac $M_C
port add dev $PD switch $SW net 300 mac $M_D
EOF
no_ipv6 "$SW"

# ---- the fabric port -----------------------------------------------------------------

check "kvs port add dev $U switch $SW fabric vxlan local $L4 remote $R4 dstport 4789" \
	"$KVS" port add dev "$U" switch "$SW" fabric vxlan local $L4 remote $R4 dstport 4789
check_match "kvs port show (text): $U fabric vxlan local $L4 remote $R4 dstport 4789" \
	"^$U: switch $SW fabric vxlan local $L4 remote $R4 dstport 4789( |\$)" \
	"$("$KVS" port show dev "$U" 2>&1)"
check "a UDP socket is bound to $L4:4789" bound $L4 4789
kvs_refused "a second fabric port (vxlan) on $SW is refused, naming the fabric" 'fabric' \
	"$KVS" port add dev "$U2" switch "$SW" fabric vxlan local $L6B remote $R6B
kvs_refused "a second fabric port (vlan) on $SW is refused, naming the fabric" 'fabric' \
	"$KVS" port add dev "$U2" switch "$SW" fabric vlan
fsnap
check_eq "kvs -j port show: $U type encap local remote dstport" "$(fab "$U")" \
	"fabric vxlan $L4 $R4 4789"
check_eq "$SW has one fabric port, $U ($U2 did not become a port)" \
	"$(snap_list P 1 2="$SW" 3=fabric) / $(_get "P|$U2|" 2)" "$U / none"
check_eq "ip link show master $SW lists the VM ports, not $U" "$(ip_masters "$SW")" \
	"$(_sorted "$PA" "$PB" "$PC" "$PD")"
check_eq "$U has no master" "$(master_of "$U")" none
run ip neigh flush dev "$U"
check "with the fabric: ping $R4 from the init netns over $U" pingn - $R4
check "with the fabric: ping $R6 from the init netns over $U" pingn - $R6
MAC_UL=$(mac_of "$NS_SRV" ul)
out=$(ip neigh show dev "$U")
check_match "$U resolved $R4 again by ARP (ip neigh)" "^$R4 lladdr $MAC_UL " "$out"
check_match "$U resolved $R6 again by ND (ip neigh)" "^$R6 lladdr $MAC_UL " "$out"

# ---- traffic in networks 100 and 200, isolation, VNIs on the wire ------------------

check "net 100: ping va -> s1 (behind the Linux vxlan device)" pingn "$NS_A" $IP_S1
check "net 100: ping s1 -> vb" pingn "$NS_S1" $IP_B
check "net 200: ping vc -> s2" pingn "$NS_C" $IP_S2
check "net 200: ping s2 -> vc" pingn "$NS_S2" $IP_C
check "isolation: va (net 100) cannot reach s2 (net 200, same subnet)" no_reach "$NS_A" $IP_S2

sniff_start a "$NS_A" "$TAG"
sniff_start b "$NS_B" "$TAG"
sniff_start c "$NS_C" "$TAG"
sniff_start s1 "$NS_S1" "$TAG"
sniff_start s2 "$NS_S2" "$TAG"
sniff_start z "$NS_SRV2" "$TAG" vx100
: >"$TMPD/dump.err"
tcpdump -i "$U" -nn -U -w "$TMPD/u.pcap" 'udp port 4789 and udp[28:2] = 0x88b5' \
	2>"$TMPD/dump.err" &
DUMP=$!
defer_pid $DUMP
for ((i = 0; i < 100; i++)); do
	[[ $(<"$TMPD/dump.err") == *"listening on"* ]] && break
	nap 0.1
done

mark
pkt "$NS_A" $M_A $BC count 5 tag "$TAG-b1"
pkt "$NS_S1" $M_S1 $BC count 4 tag "$TAG-b2"
pkt "$NS_C" $M_C $BC count 3 tag "$TAG-b3"
pkt "$NS_S2" $M_S2 $BC count 2 tag "$TAG-b4"
wait_seen s2 "$TAG-b3" 3
wait_seen c "$TAG-b4" 2
nap 0.3
check_eq "net 100 broadcast from va: vb and s1 get all 5, net 200 none" \
	"$(seen_all "$TAG-b1")" "a:0 b:5 c:0 s1:5 s2:0 z:0"
check_eq "net 100 broadcast from s1: va and vb get all 4, net 200 none" \
	"$(seen_all "$TAG-b2")" "a:4 b:4 c:0 s1:0 s2:0 z:0"
check_eq "net 200 broadcast from vc: s2 gets all 3, net 100 none" \
	"$(seen_all "$TAG-b3")" "a:0 b:0 c:0 s1:0 s2:3 z:0"
check_eq "net 200 broadcast from s2: vc gets both, net 100 none" \
	"$(seen_all "$TAG-b4")" "a:0 b:0 c:2 s1:0 s2:0 z:0"
fsnap
check_eq "$U tx_packets/tx_bytes: one gateway copy per broadcast of va and vc (8 x $FLEN)" \
	"$(delta "$U" tx_packets) $(delta "$U" tx_bytes)" "8 $((8 * FLEN))"
check_eq "$U rx_packets/rx_bytes: the 6 decapsulated frames of s1 and s2 (6 x $FLEN)" \
	"$(delta "$U" rx_packets) $(delta "$U" rx_bytes)" "6 $((6 * FLEN))"
kill -INT $DUMP 2>/dev/null
wait $DUMP 2>/dev/null
# one line per captured packet: "SRC>DST:VNI:DF" (DF: the outer IPv4 DF bit, or -)
wire=$(tcpdump -r "$TMPD/u.pcap" -nn -v 2>&1)
pk=
while IFS= read -r l; do
	if [[ $l == *" IP ("* ]]; then
		df=-
		[[ $l == *"flags [DF]"* ]] && df=DF
	elif [[ $l =~ ^\ +([0-9.]+)\.[0-9]+\ \>\ ([0-9.]+)\.4789:\ VXLAN.*\ vni\ ([0-9]+)$ ]]; then
		pk+="${BASH_REMATCH[1]}>${BASH_REMATCH[2]}:${BASH_REMATCH[3]}:$df"$'\n'
	fi
done <<<"$wire"
check_eq "on the wire: VNI 100 $L4->$R4 x5, $R4->$L4 x4; VNI 200 x3, x2; nothing else" \
	"$(count_lines "^$L4>$R4:100:" "$pk") $(count_lines "^$R4>$L4:100:" "$pk") $(count_lines "^$L4>$R4:200:" "$pk") $(count_lines "^$R4>$L4:200:" "$pk") $(count_lines VXLAN "$wire")" \
	"5 4 3 2 14" || _diag_out "$pk"
check_eq "on the wire: kvs sets DF on the outer IPv4 header (8 of its 8)" \
	"$(count_lines "^$L4>.*:DF\$" "$pk")" 8 || _diag_out "$(head -n 4 <<<"$wire")"
out=$("$KVS" stats show dev "$U" 2>&1)
check_match "kvs stats show dev $U prints its counters" \
	'^RX [0-9]+ [0-9]+$' "$(matches '^ *RX: +bytes +packets *$' "$out" && echo RX) $(text_counter "$out" bytes) $(text_counter "$out" packets)" ||
	_diag_out "$out"
out=$(kj -s port show dev "$U" | jq -r '.[0] | "\(.type) \(.stats64.rx.packets | type)"')
check_eq "kvs -j -s port show dev $U: a fabric port with counters" "$out" "fabric number"

# ---- learning, static remote entries, flood list, split horizon -------------------

check_eq "learned: s1's MAC in net 100 behind $R4" "$(fdbx "$SW" 100 $M_S1)" "remote $R4 learned"
check_eq "learned: s2's MAC in net 200 behind $R4" "$(fdbx "$SW" 200 $M_S2)" "remote $R4 learned"
check_eq "s1's MAC is not in net 200" "$(fdbx "$SW" 200 $M_S1)" none
check_eq "va's MAC stays local and static" "$(fdbx "$SW" 100 $M_A)" "dev $PA static"
check "kvs fdb add $M_Z net 100 switch $SW remote $R4B" \
	"$KVS" fdb add $M_Z net 100 switch "$SW" remote $R4B
out=$("$KVS" fdb show switch "$SW" 2>&1)
check_match "kvs fdb show (text): s1's MAC ... remote $R4 learned age N" \
	"^$M_S1 net 100 switch $SW remote $R4 learned age [0-9]" "$out"
check_match "kvs fdb show (text): $M_Z ... remote $R4B static" \
	"^$M_Z net 100 switch $SW remote $R4B static" "$out"

mark
pkt "$NS_A" $M_A $M_Z count 3 tag "$TAG-u1" + $M_A $M_S1 count 2 tag "$TAG-u2"
wait_seen z "$TAG-u1" 3
wait_seen s1 "$TAG-u2" 2
nap 0.3
check_eq "unicast to the static remote $M_Z reaches srv2 only" "$(seen_all "$TAG-u1")" \
	"a:0 b:0 c:0 s1:0 s2:0 z:3"
check_eq "unicast to the learned s1 reaches s1 only" "$(seen_all "$TAG-u2")" \
	"a:0 b:0 c:0 s1:2 s2:0 z:0"
fsnap
check_eq "$U tx_packets +5" "$(delta "$U" tx_packets)" 5

check "flood list: kvs fdb add $ZERO net 100 switch $SW remote $R4" \
	"$KVS" fdb add $ZERO net 100 switch "$SW" remote $R4
check "flood list: kvs fdb add $ZERO net 100 switch $SW remote $R4B" \
	"$KVS" fdb add $ZERO net 100 switch "$SW" remote $R4B
mark
check_eq "kvs fdb show: net 100 floods to $R4 and $R4B (static), net 200 to none" \
	"$(flood "$SW" 100) / $(flood "$SW" 200)" "$R4/static $R4B/static / "
pkt "$NS_A" $M_A $BC count 4 tag "$TAG-f1" + $M_A $M_U count 2 tag "$TAG-f2"
pkt "$NS_S1" $M_S1 $BC count 3 tag "$TAG-f3" + $M_S1 $M_Z count 3 tag "$TAG-f4"
pkt "$NS_C" $M_C $BC count 2 tag "$TAG-f5"
wait_seen z "$TAG-f2" 2
wait_seen b "$TAG-f3" 3
wait_seen s2 "$TAG-f5" 2
nap 0.3
check_eq "head-end replication: broadcast from va reaches s1 and srv2 (and vb)" \
	"$(seen_all "$TAG-f1")" "a:0 b:4 c:0 s1:4 s2:0 z:4"
check_eq "unknown unicast from va goes to every flood member (and vb)" \
	"$(seen_all "$TAG-f2")" "a:0 b:2 c:0 s1:2 s2:0 z:2"
check_eq "split horizon: broadcast from s1 is not sent back into the fabric" \
	"$(seen_all "$TAG-f3")" "a:3 b:3 c:0 s1:0 s2:0 z:0"
check_eq "split horizon: unicast from s1 to $M_Z (behind the fabric) goes nowhere" \
	"$(seen_all "$TAG-f4")" "a:0 b:0 c:0 s1:0 s2:0 z:0"
check_eq "net 200 (no flood list) still floods to the gateway only" \
	"$(seen_all "$TAG-f5")" "a:0 b:0 c:0 s1:0 s2:2 z:0"
fsnap
check_eq "$U tx_packets +14 (2 copies of 6 frames, 2 gateway copies)" "$(delta "$U" tx_packets)" 14
check_eq "$U no_route +3 (unicast from the fabric to a MAC behind it)" "$(delta "$U" no_route)" 3

check "kvs fdb del $ZERO net 100 switch $SW remote $R4B" \
	"$KVS" fdb del $ZERO net 100 switch "$SW" remote $R4B
mark
check_eq "net 100 floods to $R4 only" "$(flood "$SW" 100)" "$R4/static"
pkt "$NS_A" $M_A $BC count 4 tag "$TAG-f6"
wait_seen s1 "$TAG-f6" 4
nap 0.3
check_eq "after the delete: broadcast reaches s1, not srv2" "$(seen_all "$TAG-f6")" \
	"a:0 b:4 c:0 s1:4 s2:0 z:0"
fsnap
check_eq "$U tx_packets +4 (one member)" "$(delta "$U" tx_packets)" 4
check "kvs fdb del $ZERO net 100 switch $SW (all members)" "$KVS" fdb del $ZERO net 100 switch "$SW"

# ---- a spoofed source from the fabric --------------------------------------------

mark
check_eq "net 100 has no flood list; the static $M_Z stays" \
	"$(flood "$SW" 100) / $(fdbx "$SW" 100 $M_Z)" " / remote $R4B static"
pkt "$NS_S1" $M_A $BC count 4 tag "$TAG-sp" + $M_S1 $BC count 1 tag "$TAG-sp2"
wait_seen a "$TAG-sp2" 1
nap 0.3
check_eq "frames from the fabric with va's configured MAC as source reach nobody" \
	"$(seen_all "$TAG-sp")" "a:0 b:0 c:0 s1:0 s2:0 z:0"
fsnap
check_eq "$U spoofed_src +4" "$(delta "$U" spoofed_src)" 4
check_eq "va's MAC is still on $PA" "$(fdbx "$SW" 100 $M_A)" "dev $PA static"

# ---- origin evpn: a BGP EVPN agent's entries and what they may not move -----------
# The kernel side of issue 21: FDB_NEW/DEL with origin evpn make and drop EVPN's
# claim on an entry. A route moves an entry only EVPN holds, takes a learned one
# over, and never moves a MAC static on this host; a VM port that sends from a MAC
# only EVPN holds takes it (the VM moved here: the agent then advertises it).

M_E=02:00:00:88:0e:01
check "origin evpn: kvs fdb add $M_E net 100 switch $SW remote $R4B origin evpn" \
	"$KVS" fdb add $M_E net 100 switch "$SW" remote $R4B origin evpn
fsnap
check_eq "kvs -j fdb show: $M_E remote $R4B static, origin evpn" "$(fdbx "$SW" 100 $M_E)" \
	"remote $R4B static origin evpn"
check_match "kvs fdb show (text): ... remote $R4B static origin evpn" \
	"^$M_E net 100 switch $SW remote $R4B static origin evpn\$" "$("$KVS" fdb show switch "$SW" net 100 2>&1)"
check_match "bridge fdb show: the route's entry is extern_learn, as zebra's" \
	"^$M_E dev $U dst $R4B .*extern_learn" "$(bridge fdb show 2>&1)"
MAXM=$("$KVS" -j net show switch "$SW" | jq -r '.[] | select(.net == 100) | .max_macs // 0')
must "$KVS" net set 100 switch "$SW" max-macs 2
kvs_refused "a route's new MAC beyond the network's max-macs (2: va's and vb's) is refused" 'max-macs' \
	"$KVS" fdb add 02:00:00:88:0e:02 net 100 switch "$SW" remote $R4B origin evpn
must "$KVS" net set 100 switch "$SW" max-macs "$MAXM"
kvs_refused "origin evpn with dev is refused" 'remote VTEP' \
	"$KVS" fdb add $M_E net 100 switch "$SW" dev "$PB" origin evpn
kvs_usage_err "origin other than evpn: a usage error" '' \
	"$KVS" fdb add $M_E net 100 switch "$SW" remote $R4 origin bgp
kvs_refused "the administrator's add (no replace) does not move the route's entry" 'another remote' \
	"$KVS" fdb add $M_E net 100 switch "$SW" remote $R4
check "a newer route moves it: kvs fdb add $M_E ... remote $R4 origin evpn" \
	"$KVS" fdb add $M_E net 100 switch "$SW" remote $R4 origin evpn
kvs_refused "EVPN does not move va's port MAC $M_A" 'static on this host' \
	"$KVS" fdb add $M_A net 100 switch "$SW" remote $R4 origin evpn
kvs_refused "EVPN does not move the administrator's $M_Z" 'static on this host' \
	"$KVS" fdb add $M_Z net 100 switch "$SW" remote $R4 origin evpn
kvs_refused "fdb del origin evpn of the administrator's $M_Z: not EVPN's" 'not an EVPN' \
	"$KVS" fdb del $M_Z net 100 switch "$SW" origin evpn
check "EVPN takes the learned $M_S1 over: kvs fdb add ... remote $R4B origin evpn" \
	"$KVS" fdb add $M_S1 net 100 switch "$SW" remote $R4B origin evpn
fsnap
check_eq "after the refusals: $M_E at $R4 (evpn), $M_A on $PA, $M_Z at $R4B, $M_S1 at $R4B (evpn)" \
	"$(fdbx "$SW" 100 $M_E) / $(fdbx "$SW" 100 $M_A) / $(fdbx "$SW" 100 $M_Z) / $(fdbx "$SW" 100 $M_S1)" \
	"remote $R4 static origin evpn / dev $PA static / remote $R4B static / remote $R4B static origin evpn"
check "the route for $M_S1 withdrawn: kvs fdb del ... origin evpn" \
	"$KVS" fdb del $M_S1 net 100 switch "$SW" origin evpn
check "the administrator adds $M_E where EVPN has it: two claims" \
	"$KVS" fdb add $M_E net 100 switch "$SW" remote $R4
check "EVPN's claim goes: kvs fdb del $M_E ... remote $R4 origin evpn" \
	"$KVS" fdb del $M_E net 100 switch "$SW" remote $R4 origin evpn
fsnap
check_eq "$M_E stays, the administrator's (no origin); $M_S1 is gone" \
	"$(fdbx "$SW" 100 $M_E) / $(fdbx "$SW" 100 $M_S1)" "remote $R4 static / none"
check "kvs fdb del $M_E (the administrator's)" "$KVS" fdb del $M_E net 100 switch "$SW"
check "flood list: kvs fdb add $ZERO ... remote $R4 origin evpn" \
	"$KVS" fdb add $ZERO net 100 switch "$SW" remote $R4 origin evpn
kvs_refused "the same member from EVPN again: refused" 'already in the network' \
	"$KVS" fdb add $ZERO net 100 switch "$SW" remote $R4 origin evpn
check "and from the administrator: a second claim" \
	"$KVS" fdb add $ZERO net 100 switch "$SW" remote $R4
check "EVPN's claim on the member goes" \
	"$KVS" fdb del $ZERO net 100 switch "$SW" remote $R4 origin evpn
fsnap
check_eq "the member stays, the administrator's" "$(flood "$SW" 100)" "$R4/static"
check "kvs fdb del $ZERO net 100 switch $SW" "$KVS" fdb del $ZERO net 100 switch "$SW"

# mobility: vb (no mac list now) sends from $M_E, which a route put at $R4
must "$KVS" port set dev "$PB" mac none
must "$KVS" fdb add $M_E net 100 switch "$SW" remote $R4 origin evpn
mark
pkt "$NS_B" $M_E $M_A count 2 tag "$TAG-mv"
wait_seen a "$TAG-mv" 1
nap 0.3
fsnap
check_eq "a VM port sending from a MAC only EVPN holds takes it: $M_E learned on $PB" \
	"$(fdbx "$SW" 100 $M_E)" "dev $PB learned"
check_eq "its frames were forwarded, none dropped as spoofed" \
	"$(seen_all "$TAG-mv") $(delta "$PB" spoofed_src)" "a:2 b:0 c:0 s1:0 s2:0 z:0 0"
mark
pkt "$NS_B" $M_Z $M_A count 2 tag "$TAG-mz"
nap 0.5
fsnap
check_eq "but not the administrator's remote $M_Z: it stays, spoofed_src +2" \
	"$(fdbx "$SW" 100 $M_Z) / $(seen_all "$TAG-mz") / $(delta "$PB" spoofed_src)" \
	"remote $R4B static / a:0 b:0 c:0 s1:0 s2:0 z:0 / 2"
must "$KVS" fdb del $M_E net 100 switch "$SW"
must "$KVS" port set dev "$PB" mac $M_B

# ---- MTU -------------------------------------------------------------------------

out=$(ip netns exec "$NS_A" ping -n -c 3 -i 0.2 -W 1 -s 1472 -M "do" $IP_S1 2>&1)
_diag_out "$out"
check_match "VM MTU 1500: ping -s 1472 -M do va -> s1 gets no reply" ' 0 received' "$out"
check_match "VM MTU 1500: kvs answers frag needed, mtu 1450" 'mtu ?=? ?1450' "$out"
fsnap
check_eq "$PA mtu +1 (the first echo request, 1550 bytes once encapsulated; the VM's PMTU stops the others)" \
	"$(delta "$PA" mtu)" 1
run ip -n "$NS_A" link set dev eth0 mtu 1450
check "VM MTU 1450: ping -s 1422 -M do va -> s1 works" pingn "$NS_A" $IP_S1 -s 1422 -M "do"
check "VM MTU 1450: ping -s 1422 -M do s1 -> va works" pingn "$NS_S1" $IP_A -s 1422 -M "do"

# ---- iperf3 TCP both ways (GSO, checksum offload) --------------------------------

# iperf_run DESC SRV_NS SRV_IP CLI_NS : the iperf3 server in SRV_NS sends 4 MiB to
# the client in CLI_NS (-R). iperf3 stops counting when the test ends, with data
# still in flight, and its sender overshoots by up to a block: it must complete and
# send 4 MiB; the exact byte count and content are tcp_exact's.
iperf_run() {
	local desc=$1 sns=$2 sip=$3 cns=$4 i out sp
	: >"$TMPD/iperf.s"
	ip netns exec "$sns" iperf3 -s -1 -B "$sip" --forceflush >"$TMPD/iperf.s" 2>&1 &
	sp=$!
	defer_pid $sp
	for ((i = 0; i < 100; i++)); do
		[[ $(<"$TMPD/iperf.s") == *"listening"* ]] && break
		nap 0.1
	done
	echo "# + ip netns exec $cns iperf3 -c $sip -n 4M -R -J"
	out=$(ip netns exec "$cns" iperf3 -c "$sip" -n 4M -R -J 2>&1)
	wait $sp 2>/dev/null
	out=$(jq -r 'if .end.sum_sent.bytes >= 4194304 and .end.sum_received.bytes > 0
		then "complete" else "\(.end.sum_sent.bytes) \(.end.sum_received.bytes) \(.error)" end' \
		<<<"$out" 2>&1)
	check_eq "$desc" "$out" "complete"
}

# tcp_exact DESC SRV_NS SRV_IP CLI_NS : one TCP connection carries a 4 MiB random
# file from CLI_NS to SRV_NS (large writes: GSO and checksum offload on the veths);
# the receiver counts every byte to EOF and hashes them
TCP_FILE=$TMPD/tcp.data
head -c 4194304 /dev/urandom >"$TCP_FILE"
TCP_SUM=$(sha256sum <"$TCP_FILE" | cut -d' ' -f1)
tcp_exact() {
	local desc=$1 sns=$2 sip=$3 cns=$4 i sp out
	: >"$TMPD/tcp.r"
	ip netns exec "$sns" python3 -c '
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1); print("listening", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    n += len(b); h.update(b)
print(n, h.hexdigest(), flush=True)' "$sip" >"$TMPD/tcp.r" 2>&1 &
	sp=$!
	defer_pid $sp
	for ((i = 0; i < 100; i++)); do
		[[ $(<"$TMPD/tcp.r") == *"listening"* ]] && break
		nap 0.1
	done
	echo "# + ip netns exec $cns python3 (send 4 MiB to $sip:5201)"
	ip netns exec "$cns" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5201), timeout=60)
s.sendall(open(sys.argv[2], "rb").read()); s.shutdown(socket.SHUT_WR); s.recv(1)' \
		"$sip" "$TCP_FILE" 2>&1 | _diag_out
	wait $sp 2>/dev/null
	out=$(tail -n 1 "$TMPD/tcp.r")
	check_eq "$desc" "$out" "4194304 $TCP_SUM"
}
mark
iperf_run "iperf3 TCP va -> s1 through the fabric: completes, 4 MiB sent" "$NS_A" $IP_A "$NS_S1"
iperf_run "iperf3 TCP s1 -> va through the fabric: completes, 4 MiB sent" "$NS_S1" $IP_S1 "$NS_A"
tcp_exact "TCP va -> s1 through the fabric: exactly the 4 MiB sent arrive (sha256)" "$NS_S1" $IP_S1 "$NS_A"
tcp_exact "TCP s1 -> va through the fabric: exactly the 4 MiB sent arrive (sha256)" "$NS_A" $IP_A "$NS_S1"
fsnap
check_eq "no mtu drop on $PA during iperf3 (GSO segments fit)" "$(delta "$PA" mtu)" 0
check_ge "$U rx_bytes: at least the 4 MiB of s1's stream" "$(delta "$U" rx_bytes)" 4194304
check_ge "$U tx_bytes: at least the 4 MiB of va's stream" "$(delta "$U" tx_bytes)" 4194304

# ---- port del, re-add with learning off ----------------------------------------

check "kvs port del dev $U" "$KVS" port del dev "$U"
fsnap
check_eq "$U is no port any more, no remote fdb entry is left (learned, static, flood)" \
	"$(_get "P|$U|" 2) $(fdb_n "$SW" remote)" "none 0"
check "UDP $L4:4789 is no longer bound" unbound $L4 4789
check "ping $R4 from the init netns over $U still works" pingn - $R4

if ! check "re-add: kvs port add dev $U ... fabric vxlan local $L4 remote $R4 learning off" \
	"$KVS" port add dev "$U" switch "$SW" fabric vxlan local $L4 remote $R4 dstport 4789 learning off; then
	# go on with a fabric, learning off set afterwards if that works
	run "$KVS" port add dev "$U" switch "$SW" fabric vxlan local $L4 remote $R4 dstport 4789
	run "$KVS" port set dev "$U" learning off
fi
check "UDP $L4:4789 is bound again" bound $L4 4789
mark
check_eq "kvs -j port show: the fabric is back" "$(fab "$U")" "fabric vxlan $L4 $R4 4789"
check "learning off: ping va -> s1 through the gateway" pingn "$NS_A" $IP_S1
check "learning off: ping s2 -> vc through the gateway" pingn "$NS_S2" $IP_C
fsnap
check_ge "$U received the echo replies and requests (rx_packets)" "$(delta "$U" rx_packets)" 4
out=$("$KVS" fdb show switch "$SW" 2>&1)
check_eq "learning off: kvs fdb show lists the 4 local MACs only" \
	"$(count_lines . "$out") $(fdb_n "$SW") $(fdb_n "$SW" dev)" "4 4 4" || _diag_out "$out"

# ---- IPv6 underlay without a gateway; no_route ----------------------------------------

check "kvs port del dev $U (the IPv4 fabric)" "$KVS" port del dev "$U"
ipb -n "$NS_SRV" <<EOF
link set dev vx100 nomaster
link set dev vx200 nomaster
link set dev vx6100 master br100
link set dev vx6200 master br200
link set dev vx6100 up
link set dev vx6200 up
EOF
check "kvs port add dev $U switch $SW fabric vxlan local $L6 (no remote, dstport default)" \
	"$KVS" port add dev "$U" switch "$SW" fabric vxlan local $L6
check_match "kvs port show (text): local $L6 dstport 4789, no remote" \
	"^$U: switch $SW fabric vxlan local $L6 dstport 4789( |\$)" "$("$KVS" port show dev "$U" 2>&1)"
check "UDP [$L6]:4789 is bound, $L4:4789 is not" eval "bound $L6 4789 && unbound $L4 4789"
check "flood list: kvs fdb add $ZERO net 100 switch $SW remote $R6" \
	"$KVS" fdb add $ZERO net 100 switch "$SW" remote $R6
check "flood list: kvs fdb add $ZERO net 200 switch $SW remote $R6" \
	"$KVS" fdb add $ZERO net 200 switch "$SW" remote $R6
check "IPv6 underlay: ping va -> s1" pingn "$NS_A" $IP_S1
check "IPv6 underlay: ping s1 -> va" pingn "$NS_S1" $IP_A
check "IPv6 underlay: ping s2 -> vc" pingn "$NS_S2" $IP_C
check "IPv6 underlay, isolation: vc (net 200) cannot reach s1 (net 100)" no_reach "$NS_C" $IP_S1
mark
check_eq "kvs -j port show: IPv6 local, no remote, dstport 4789" "$(fab "$U")" \
	"fabric vxlan $L6 none 4789"
check_eq "flood lists: net 100 and net 200 to $R6" "$(flood "$SW" 100) / $(flood "$SW" 200)" \
	"$R6/static / $R6/static"
check_eq "IPv6 underlay: s1 and s2 learned behind $R6" \
	"$(fdbx "$SW" 100 $M_S1) / $(fdbx "$SW" 200 $M_S2)" "remote $R6 learned / remote $R6 learned"
pkt "$NS_A" $M_A $BC count 3 tag "$TAG-v1"
pkt "$NS_S2" $M_S2 $BC count 2 tag "$TAG-v2"
pkt "$NS_D" $M_D $BC count 3 tag "$TAG-n1" + $M_D $M_U count 2 tag "$TAG-n2" + \
	$M_D $M_A count 2 tag "$TAG-n3"
wait_seen s1 "$TAG-v1" 3
wait_seen c "$TAG-v2" 2
nap 0.3
check_eq "IPv6 underlay: net 100 broadcast from va reaches vb and s1 only" \
	"$(seen_all "$TAG-v1")" "a:0 b:3 c:0 s1:3 s2:0 z:0"
check_eq "IPv6 underlay: net 200 broadcast from s2 reaches vc only" \
	"$(seen_all "$TAG-v2")" "a:0 b:0 c:2 s1:0 s2:0 z:0"
check_eq "net 300 (one VM, no flood list, no gateway): nothing reaches anyone" \
	"$(seen_all "$TAG-n1") / $(seen_all "$TAG-n2") / $(seen_all "$TAG-n3")" \
	"a:0 b:0 c:0 s1:0 s2:0 z:0 / a:0 b:0 c:0 s1:0 s2:0 z:0 / a:0 b:0 c:0 s1:0 s2:0 z:0"
fsnap
check_eq "$PD no_route +7 (broadcast, unknown unicast, another network's MAC)" \
	"$(delta "$PD" no_route)" 7
check_eq "$U tx_packets +3 (va's broadcasts, one member)" "$(delta "$U" tx_packets)" 3
sniff_stop "${SNIFFERS[@]}"

mark
out=$(ip netns exec "$NS_A" ping -q -n -c 2 -i 0.2 -W 1 -s 1422 -M "do" $IP_S1 2>&1)
check_match "IPv6 underlay, VM MTU 1450: ping -s 1422 -M do va -> s1 gets no reply" ' 0 received' "$out"
run ip -n "$NS_A" link set dev eth0 mtu 1430
check "IPv6 underlay, VM MTU 1430: ping -s 1402 -M do va -> s1 works" pingn "$NS_A" $IP_S1 -s 1402 -M "do"
iperf_run "iperf3 TCP va -> s1 over the IPv6 underlay: completes, 4 MiB sent" "$NS_A" $IP_A "$NS_S1"
tcp_exact "TCP va -> s1 over the IPv6 underlay: exactly the 4 MiB sent arrive (sha256)" "$NS_S1" $IP_S1 "$NS_A"
fsnap
check_eq "$PA mtu +1 (the first echo request, 1520 bytes once encapsulated; none from iperf3)" \
	"$(delta "$PA" mtu)" 1

# ---- the routing table picks the underlay's way out ------------------------------------
# The route to a VTEP is the host's, not pinned to the uplink: with no route at all the
# frames are no_route on the VM port (a lookup pinned to the uplink assumed the VTEP on
# its link, ARPed for it and counted the frames sent); a route out of a VM port (into a
# tenant) is refused the same way.

NOWHERE=203.0.113.9
M_Q=02:00:00:88:0f:42	# static behind $NOWHERE
check "kvs port del dev $U (the IPv6 fabric)" "$KVS" port del dev "$U"
check "kvs port add dev $U switch $SW fabric vxlan local $L4 (no gateway)" \
	"$KVS" port add dev "$U" switch "$SW" fabric vxlan local $L4
check "kvs fdb add $M_Q net 100 switch $SW remote $NOWHERE" \
	"$KVS" fdb add $M_Q net 100 switch "$SW" remote $NOWHERE
check "the host has no route to $NOWHERE" eval "! ip route get $NOWHERE >/dev/null 2>&1"
nowhere() { # nowhere DESC : va's 3 frames to M_Q must be no_route on $PA, none sent
	mark
	pkt "$NS_A" $M_A $M_Q count 3
	nap 0.3
	fsnap
	check_eq "$1: $PA no_route +3, $U tx_packets +0" \
		"$(delta "$PA" no_route) $(delta "$U" tx_packets)" "3 0"
}
nowhere "no route to $NOWHERE"
run ip route add $NOWHERE/32 dev "$PB"
tx0=$(link_stat "$PB" tx_packets)
nowhere "a route to $NOWHERE out of VM port $PB"
check_eq "... and nothing was sent into vb (not even an ARP request)" \
	"$(sub "$(link_stat "$PB" tx_packets)" "$tx0")" 0
run ip route del $NOWHERE/32 dev "$PB"

# ---- teardown: uplink deletion, switch deletion, netns deletion ----------------------

defer_link "$SW2"
must "$KVS" -b - <<EOF
switch add $SW2
net add 100 switch $SW2
port add dev $U2 switch $SW2 fabric vxlan local $L6B remote $R6B
fdb add $M_Z net 100 switch $SW2 remote $R6B
EOF
no_ipv6 "$SW2"
check "UDP [$L6B]:4789 is bound ($SW2's fabric on $U2)" bound $L6B 4789
run ip link del dev "$U2"
fsnap
check_eq "uplink $U2 deleted: $SW2 stays, without its fabric port and fdb entry" \
	"$(_get "S|$SW2|" 1) $(snap_count P 2="$SW2") $(fdb_n "$SW2")" "$SW2 0 0"
check "... and UDP [$L6B]:4789 is unbound" unbound $L6B 4789

check "kvs switch del $SW with its fabric port" "$KVS" switch del "$SW"
fsnap
check_eq "$U is no port any more" "$(_get "P|$U|" 2)" none
check "UDP [$L6]:4789 is unbound" unbound $L6 4789
check "$U still carries host traffic: ping $R6" pingn - $R6

mk_ns "$NS_X"
defer_link "$UX"
ipb <<EOF
link add $UX type veth peer name eth0 netns $NS_X
link set dev $UX addrgenmode none up
EOF
ipb -n "$NS_X" <<EOF
link set dev eth0 addrgenmode none
addr add $L4/24 dev eth0
link set dev eth0 up
EOF
must ip netns exec "$NS_X" "$KVS" -b - <<EOF
switch add $SWN
net add 100 switch $SWN
port add dev eth0 switch $SWN fabric vxlan local $L4 remote $R4
fdb add $M_Z net 100 switch $SWN remote $R4B
EOF
check "a switch with a fabric in netns x: UDP $L4:4789 bound there" bound "$NS_X" $L4 4789
run ip netns del "$NS_X"
check_within "netns x deleted: it goes away (its veth peer $UX disappears)" 30 eval "! link_exists $UX"

tests_done
