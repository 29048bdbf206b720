#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# framefuzz.sh - random and mutated frames into a kvs switch (kvs_framefuzz):
# runts (< 14 and < 60 bytes), random and 802.3-length EtherTypes, VLAN tags
# and QinQ stacks, VLAN frames too short to untag, frames above the egress
# MTU, multicast and zero sources, other ports' static MACs as source,
# hairpins, 802.1D link-local destinations (01:80:C2:00:00:0X), random
# payloads; from two veth ports, from a tap with vnet
# headers (plain frames, non-linear ones, valid TSO frames that become GSO
# skbs, and frames with bogus virtio_net_hdr fields), and from the fabric:
# the same random frames written to Linux vxlan devices (VNI 10 and 20) in a
# peer namespace, encapsulated by them and decapsulated by kvs's VXLAN
# fabric port. A second round adds AF_PACKET listeners on the ports'
# netdevs and on the fabric's uplink, so the switch sees shared skbs, and
# sends floods into the fabric too.
#
# Every frame's fate is predicted by the helper (per design.md and SPEC.md)
# and the counters must move by exactly that: per port rx_packets,
# tx_packets and each drop reason, and the switch totals. Learning never
# changes a prediction: sources come from per-port pools never used as
# destinations. In round 1 the fabric has no remote gateway and no flood
# list, so nothing is sent into it; in round 2 each network has a
# flood-list member (the peer), so every flood from a VM also goes into the
# fabric, or is an mtu drop when it does not fit the underlay (the tap sends
# no bogus headers then). Malformed encapsulations (bad VXLAN headers,
# unknown VNIs, runt inner frames) cannot be made by a Linux vxlan device:
# fabricfuzz.sh crafts those with scapy.
#
#   network 10:  A (veth, MTU 9000, static MA)  B (veth, static MB)
#                C (veth)   T (tap, vnet_hdr)
#   network 20:  D (veth, static MD), alone: its floods are no-route (round 2:
#                into the fabric)
#   fabric F:    U (veth, 192.0.2.1/24, MTU 9000): vxlan local 192.0.2.1
#                  | (no remote; in round 2 a flood-list member 192.0.2.2 in
#                  |  networks 10 and 20)
#                netns f: eth0 192.0.2.2/24, MTU 9000; vx10 (VNI 10) and
#                vx20 (VNI 20): Linux vxlan devices, remote 192.0.2.1,
#                dstport 4789, nolearning, MTU 8950
#
# FRAMEFUZZ_SEED, FRAMEFUZZ_COUNT (frames per round, default 20000) and
# FRAMEFUZZ_SECONDS (per round, default 25) override the helper's -s -n -t.

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

KVS_FRAMEFUZZ=$SELFTEST_DIR/kvs_framefuzz
kvs_require
[ -x "$KVS_FRAMEFUZZ" ] || skip_all "$KVS_FRAMEFUZZ missing (run make -C selftests)"
kvs_load

SW=k${PID}s
NSA=kvs-ffuzz-$PID-a
NSB=kvs-ffuzz-$PID-b
NSC=kvs-ffuzz-$PID-c
NSD=kvs-ffuzz-$PID-d
NSF=kvs-ffuzz-$PID-f
MA=02:00:00:ff:00:0a
MB=02:00:00:ff:00:0b
MC=02:00:00:ff:00:0c
MD=02:00:00:ff:00:0d
TAP=k${PID}t
UPLINK=k${PID}u
COUNT=${FRAMEFUZZ_COUNT:-20000}
SECS=${FRAMEFUZZ_SECONDS:-25}
SEED=${FRAMEFUZZ_SEED:-$(( $(now) * 1000 + PID % 1000 ))}

mk_switch "$SW"
mk_net "$SW" 10
mk_net "$SW" 20
mk_vm "$NSA" "$SW" 10 - $MA; PA=$VM_DEV
mk_vm "$NSB" "$SW" 10 - $MB; PB=$VM_DEV
mk_vm "$NSC" "$SW" 10 - $MC; PC=$VM_DEV
mk_vm "$NSD" "$SW" 20 - $MD; PD=$VM_DEV
# A takes jumbo frames, so that frames above the other ports' MTU reach the switch
ipb <<<"link set dev $PA mtu 9000"
ipb -n "$NSA" <<<"link set dev eth0 mtu 9000"
must "$KVS" fdb add $MA net 10 switch "$SW" dev "$PA"
must "$KVS" fdb add $MB net 10 switch "$SW" dev "$PB"
must "$KVS" fdb add $MD net 20 switch "$SW" dev "$PD"

# the tap: persistent, carrier only while kvs_framefuzz holds it
tap_args=()
[ -e /dev/net/tun ] || modprobe tun 2>/dev/null
if run ip tuntap add dev "$TAP" mode tap vnet_hdr; then
	defer_link "$TAP"
	no_ipv6 "$TAP"
	ipb <<<"link set dev $TAP addrgenmode none up"
	must "$KVS" port add dev "$TAP" switch "$SW" net 10
	tap_args=(-T "$TAP")
	ROLES="A B C D T"
else
	skip "frames from a tap with vnet headers" "cannot create a tap (no /dev/net/tun?)"
	ROLES="A B C D"
fi

# the fabric: kvs's VXLAN port on the uplink, Linux vxlan devices behind it
fabric_args=()
mk_veth "$UPLINK" "$NSF" - 192.0.2.2/24
ipb <<<"link set dev $UPLINK mtu 9000
addr add 192.0.2.1/24 dev $UPLINK"
read -r UMAC <"/sys/class/net/$UPLINK/address"
# the peer's vxlan devices send at once (no ARP queue to lose frames in) and
# nothing of their own (IPv6 off in the peer: with it on, they send the odd
# IPv6 frame of their own, which kvs would count too)
[ -d /proc/sys/net/ipv6 ] && run ip netns exec "$NSF" sysctl -qw \
	net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
if run ip -n "$NSF" -b - <<EOF
link set dev eth0 mtu 9000
neigh replace 192.0.2.1 lladdr $UMAC dev eth0 nud permanent
link add vx10 type vxlan id 10 dstport 4789 local 192.0.2.2 remote 192.0.2.1 dev eth0 nolearning
link add vx20 type vxlan id 20 dstport 4789 local 192.0.2.2 remote 192.0.2.1 dev eth0 nolearning
link set dev vx10 addrgenmode none up
link set dev vx20 addrgenmode none up
EOF
then
	must "$KVS" port add dev "$UPLINK" switch "$SW" fabric vxlan local 192.0.2.1 dstport 4789
	VXMTU=$(ip -n "$NSF" -j link show dev vx10 | jq ".[0].mtu")
	fabric_args=(-f "$NSF" -V "$VXMTU")
	ROLES+=" F"
else
	skip "frames from the fabric port (through Linux vxlan devices)" \
		"cannot create a Linux vxlan device (modprobe vxlan?)"
fi

declare -A DEV=([A]=$PA [B]=$PB [C]=$PC [D]=$PD [T]=$TAP [F]=$UPLINK)
COUNTERS="rx_packets tx_packets $DROPS"

# counters ROLE... : "name=value ..." of each role's port, from SNAP
counters() {
	local r c out=
	for r in $ROLES; do
		for c in $COUNTERS; do
			out+="$r.$c=$(stat_get "${DEV[$r]}" "$c") "
		done
	done
	for c in $COUNTERS; do
		out+="SW.$c=$(swstat_get "$SW" "$c") "
	done
	echo "$out"
}

# round DESC SEED ARGS... : one kvs_framefuzz run, its predictions checked
round() {
	local desc=$1 seed=$2 out rc line r c k v before after exp got
	shift 2
	declare -A E=() B=() A=()
	snap "$SW"
	before=$(counters)
	echo "# + $KVS_FRAMEFUZZ -a $NSA -d $NSD ${tap_args[*]} ${fabric_args[*]} -A $MA -B $MB -D $MD -M 9000 -s $seed -n $COUNT -t $SECS $*"
	out=$("$KVS_FRAMEFUZZ" -a "$NSA" -d "$NSD" "${tap_args[@]}" "${fabric_args[@]}" \
		-A $MA -B $MB -D $MD -M 9000 -s "$seed" -n "$COUNT" -t "$SECS" "$@" 2>&1)
	rc=$?
	_diag_out "$(grep -v '^expect ' <<<"$out")"
	check_eq "$desc: kvs_framefuzz ran (seed $seed)" "$rc" 0 || return
	settle
	snap "$SW"
	after=$(counters)
	while IFS= read -r line; do
		[[ $line =~ ^expect\ ([A-Z])\ ([a-z_]+)\ ([0-9]+)$ ]] || continue
		E[${BASH_REMATCH[1]}.${BASH_REMATCH[2]}]=${BASH_REMATCH[3]}
	done <<<"$out"
	for k in $before; do B[${k%%=*}]=${k#*=}; done
	for k in $after; do A[${k%%=*}]=${k#*=}; done
	local sent gso
	sent=$(sed -n 's/^stat sent //p' <<<"$out")
	gso=$(sed -n 's/^stat gso //p' <<<"$out")
	check_ge "$desc: frames reached the switch" "${sent:-0}" 100
	if [ ${#tap_args[@]} -gt 0 ]; then
		check_ge "$desc: the tap took TSO frames (GSO skbs)" "${gso:-0}" 1
	fi
	# per port: every counter moved by exactly the prediction
	declare -A T=()
	for r in $ROLES; do
		exp=
		got=
		for c in $COUNTERS; do
			v=${E[$r.$c]:-0}
			exp+="$c=$v "
			got+="$c=$(sub "${A[$r.$c]}" "${B[$r.$c]}") "
			T[$c]=$(( ${T[$c]:-0} + v ))
		done
		check_eq "$desc: port $r (${DEV[$r]}) counters moved as predicted" "$got" "$exp"
	done
	check_ge "$desc: link-local destinations were among them (predicted drops)" "${T[link_local]:-0}" 1
	if [[ " $ROLES " == *" F "* ]]; then
		check_ge "$desc: frames came out of the fabric" "${E[F.rx_packets]:-0}" 100
		if [[ " $* " == *" -G "* ]]; then
			check_ge "$desc: floods went into the fabric" "${E[F.tx_packets]:-0}" 100
		fi
	fi
	# the switch totals: the sums over the ports
	exp=
	got=
	for c in rx_packets tx_packets $DROPS; do
		exp+="$c=${T[$c]:-0} "
		got+="$c=$(sub "${A[SW.$c]}" "${B[SW.$c]}") "
	done
	check_eq "$desc: switch totals moved by the sums over the ports" "$got" "$exp"
}

round "round 1" "$SEED"

# round 2: the fabric has a flood-list member in each network, so every flood
# from a VM port also goes into it (one copy, VNI 10 or 20, to the peer's
# vxlan devices); no bogus tap headers then (see kvs_framefuzz.c)
gateway_args=()
if [ ${#fabric_args[@]} -gt 0 ]; then
	must "$KVS" fdb add 00:00:00:00:00:00 net 10 switch "$SW" remote 192.0.2.2
	must "$KVS" fdb add 00:00:00:00:00:00 net 20 switch "$SW" remote 192.0.2.2
	# no ARP queue to lose encapsulated frames in (kvs counts them before)
	ipb <<<"neigh replace 192.0.2.2 lladdr $(mac_of "$NSF" eth0) dev $UPLINK nud permanent"
	gateway_args=(-G)
fi
round "round 2, listeners on the ports (shared skbs), floods into the fabric too" "$((SEED + 1))" \
	-L "$PA" -L "$PB" -L "$PD" ${tap_args[@]:+-L "$TAP"} ${fabric_args[@]:+-L "$UPLINK"} \
	"${gateway_args[@]}"

# nothing refused was learned, no static entry moved
snap "$SW"
bad=0
while IFS='|' read -r kind _ _ mac _ state _; do
	[[ $kind == F && $state == learned ]] || continue
	first=$((16#${mac%%:*}))
	if (( first & 1 )) || [ "$mac" = 00:00:00:00:00:00 ]; then
		bad=$((bad + 1))
	fi
done <<<"$SNAP"
check_eq "no multicast or zero source was learned" "$bad" 0
check_eq "static entries stayed on their ports" \
	"$(fdb_get "$SW" 10 $MA dev) $(fdb_get "$SW" 10 $MB dev) $(fdb_get "$SW" 20 $MD dev)" \
	"$PA $PB $PD"
check_ge "sources were learned from the pools" "$(snap_count F 1="$SW" 2=10)" 10
if [ ${#fabric_args[@]} -gt 0 ]; then
	# the fabric's pool is 02:aa:05:00:00:xx (kvs_framefuzz's R_F)
	check_ge "the fabric's sources were learned behind 192.0.2.2" \
		"$(kj fdb show switch "$SW" | jq '[.[] | select(.remote == "192.0.2.2" and (.mac | startswith("02:aa:05:")))] | length')" 10
	check_eq "nothing else was learned behind the fabric" \
		"$(kj fdb show switch "$SW" | jq '[.[] | select(.remote != null and .state == "learned" and (.mac | startswith("02:aa:05:") | not))] | length')" 0
fi

dmesg_checkpoint "kernel log clean while fuzzing"
tests_done
