#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fabricfuzz.sh - malformed VXLAN input on a kvs fabric port (issue 8),
# crafted with python3-scapy (kvs_fabricfuzz.py): each class is dropped and
# counted on the fabric port by its reason (unknown_vni, bad_encap,
# malformed, spoofed_src, link_local, no_route, mtu, mac_limit), or
# delivered unchanged to the one VM of its network and to no other; the
# counters move by exactly what each class predicts, and nothing else
# moves; nothing refused is learned; a switch that is down switches
# nothing. Then a seeded burst of random frames (random and scapy-fuzz()ed
# headers, VNIs, sources, destinations, tags, lengths, payloads, bad outer
# checksums), each frame's fate predicted from its bytes; then the fabric
# port is deleted while random frames come in (its UDP socket and every
# remote entry go) and added back; then the fabric still works both ways
# with a Linux vxlan peer and network 200 stays isolated; the kernel log
# stays clean throughout.
#
#  +-----------+  +-----------+        netns att
#  | netns v1  |  | netns v2  |        +------------------------------------+
#  | eth0 M1   |  | eth0 M2   |        | eth0 192.0.2.2/24 (MTU 9000)       |
#  +----|------+  +----|------+        |   scapy: raw frames out of eth0    |
#  +----|--------------|------+        |   vx100: Linux vxlan VNI 100       |
#  |   P1 (net 100,  P2 (net 200,      |   (the last part: 198.51.100.2)    |
#  |   mac M1)       mac M2)  |        +----------------|-------------------+
#  |       switch $SW         |                         |
#  |   fabric U: vxlan local 192.0.2.1 remote 192.0.2.2 | dstport 4789
#  +-------------|------------+                         |
#                U (veth, 192.0.2.1/24, MTU 9000) ------+
#
# The VMs have no address while the fuzzing runs (so that nothing answers),
# and MB is a static remote entry of network 100 (behind the fabric).
# FABRICFUZZ_SEED (default: from the clock) and FABRICFUZZ_COUNT (random
# frames, default 500) override the burst. PYTHON3 names the interpreter
# that has scapy (default python3).

# shellcheck disable=SC2016 # jq programs in single quotes

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

HELPER=$SELFTEST_DIR/kvs_fabricfuzz.py
PY=${PYTHON3:-python3}
kvs_require
command -v "$PY" >/dev/null 2>&1 || skip_all "$PY not found in PATH"
"$PY" -c 'import scapy.layers.vxlan' 2>/dev/null || skip_all "python3-scapy not installed"
[ -r "$HELPER" ] || skip_all "$HELPER missing"
kvs_load

SW=k${PID}s
U=k${PID}u
NS1=kvs-ffab-$PID-1
NS2=kvs-ffab-$PID-2
NSATT=kvs-ffab-$PID-att
M1=02:00:00:64:00:01
M2=02:00:00:c8:00:01
MB=02:fb:00:00:00:01	# static remote entry of network 100
LOCAL=192.0.2.1
PEER=192.0.2.2
N=20			# frames per class
GARBAGE=${FABRICFUZZ_COUNT:-500}
SEED=${FABRICFUZZ_SEED:-$(( $(now) % 100000 * 1000 + PID % 1000 ))}

mk_veth "$U" "$NSATT" - "$PEER/24"
ipb <<<"link set dev $U mtu 9000
addr add $LOCAL/24 dev $U"
ipb -n "$NSATT" <<<"link set dev eth0 mtu 9000"
read -r UMAC <"/sys/class/net/$U/address"

# the helper: one scapy process for the whole test (it starts slowly: while
# the rest is set up)
echo "# + ip netns exec $NSATT $PY $HELPER -i eth0 -m $UMAC -s $PEER -d $LOCAL -n 100=$M1 -n 200=$M2 -b 100=$MB -S $SEED -P $GARBAGE"
coproc FUZZ { ip netns exec "$NSATT" "$PY" "$HELPER" -i eth0 -m "$UMAC" -s $PEER -d $LOCAL \
	-n 100=$M1 -n 200=$M2 -b 100=$MB -S "$SEED" -P "$GARBAGE" 2>"$TMPD/helper.err"; }
FUZZ_IN=${FUZZ[1]}
FUZZ_OUT=${FUZZ[0]}
defer_pid "$FUZZ_PID"
diag "random frames from seed $SEED (reproduce with FABRICFUZZ_SEED=$SEED)"

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NS1" "$SW" 100 - $M1 mac $M1; P1=$VM_DEV
mk_vm "$NS2" "$SW" 200 - $M2 mac $M2; P2=$VM_DEV
must "$KVS" port add dev "$U" switch "$SW" fabric vxlan local $LOCAL remote $PEER dstport 4789
must "$KVS" fdb add $MB net 100 switch "$SW" remote $PEER

check_eq "kvs port show: $U is the vxlan fabric port of $SW" \
	"$(kj port show dev "$U" | jq -c '.[0] | [.switch, .type, .encap, .local, .remote, .dstport]')" \
	"[\"$SW\",\"fabric\",\"vxlan\",\"$LOCAL\",\"$PEER\",4789]"

# ---- counters --------------------------------------------------------------------------

# KEYS: every counter watched; U. the fabric port, 100. and 200. the VM ports
KEYS=
for p in U 100 200; do
	for c in rx_packets rx_bytes tx_packets tx_bytes $DROPS; do
		KEYS+="$p.$c "
	done
done
KEYS=${KEYS% }

# counters : "KEY=N ..." in KEYS order: one kvs run, parsed with bash builtins
# (a jq run more per read costs seconds in an emulated VM)
counters() {
	local out line p c re k res=
	declare -A v=()
	out=$("$KVS" -j -b - <<<"stats show dev $U
stats show dev $P1
stats show dev $P2" 2>&1)
	while IFS= read -r line; do
		[[ $line =~ \"ifname\":\ *\"([^\"]+)\" ]] || continue
		case ${BASH_REMATCH[1]} in
		"$U") p=U ;;
		"$P1") p=100 ;;
		"$P2") p=200 ;;
		*) continue ;;
		esac
		for c in rx_packets rx_bytes tx_packets tx_bytes $DROPS; do
			# stats64: {"rx": {"bytes": N, "packets": N}, "tx": {...}, "drops": {...}}
			case $c in
			[rt]x_*) re="\"${c%%_*}\": *\\{[^}]*\"${c#*_}\": *([0-9]+)" ;;
			*) re="\"drops\": *\\{[^}]*\"$c\": *([0-9]+)" ;;
			esac
			[[ $line =~ $re ]] && v[$p.$c]=${BASH_REMATCH[1]}
		done
	done <<<"$out"
	for k in $KEYS; do
		res+="$k=${v[$k]:-none} "
	done
	echo "${res% }"
}

# BASE: the counters deltas start from; CUR: the last ones read (read_deltas)
declare -A BASE=()
CUR=
rebase() { # the counters read last are the new base (read them first if none)
	local kv
	[ -n "$CUR" ] || CUR=$(counters)
	BASE=()
	for kv in $CUR; do
		BASE[${kv%%=*}]=${kv#*=}
	done
}

# read_deltas : DELTAS = "KEY=D ..." for every counter that moved since the
# base, KEYS order
read_deltas() {
	local kv k d out=
	CUR=$(counters)
	for kv in $CUR; do
		k=${kv%%=*}
		d=$(sub "${kv#*=}" "${BASE[$k]:-none}")
		[ "$d" = 0 ] || out+="$k=$d "
	done
	DELTAS=${out% }
}

# ordered KEY=N... : the same words in KEYS order, zeros left out
ordered() {
	local k kv out=
	declare -A tot=()
	for kv; do
		tot[${kv%%=*}]=$(( ${tot[${kv%%=*}]:-0} + ${kv#*=} ))
	done
	for k in $KEYS; do
		[ "${tot[$k]:-0}" = 0 ] || out+="$k=${tot[$k]} "
	done
	echo "${out% }"
}

SENT_COUNT=0
SENT_BYTES=0
SENT_HEX=
declare -A EXPECT=()
# fuzz CLASS COUNT : the helper sends; sets SENT_* (and EXPECT for garbage)
fuzz() {
	fuzz_start "$@"
	fuzz_wait "$1"
}

fuzz_start() { # fuzz_start CLASS COUNT : the helper starts sending
	EXPECT=()
	SENT_COUNT=0
	echo "# + (helper) $1 $2 [${SECONDS}s]"
	echo "$1 $2" >&"$FUZZ_IN" || { fail "setup: the helper takes commands" "$(<"$TMPD/helper.err")"; tests_done; }
}

fuzz_wait() { # fuzz_wait CLASS : until the helper has sent them
	local line w
	while IFS= read -r -t $((120 * ${KVS_TIMEOUT_SCALE:-1})) line <&"$FUZZ_OUT"; do
		read -r -a w <<<"$line"
		case ${w[0]} in
		expect) EXPECT[${w[1]}]=${w[2]} ;;
		sent)
			SENT_COUNT=${w[2]} SENT_BYTES=${w[3]} SENT_HEX=${w[4]}
			return 0
			;;
		*) diag "helper: $line" ;;
		esac
	done
	fail "setup: the helper sent $1" "$(<"$TMPD/helper.err")"
	tests_done
}

# wait_deltas EXPECTED : until the deltas are EXPECTED, or 5 s (frames in flight)
wait_deltas() {
	local deadline=$((SECONDS + 5 * ${KVS_TIMEOUT_SCALE:-1}))
	read_deltas
	while [ "$DELTAS" != "$1" ] && [ $SECONDS -lt $deadline ]; do
		nap 0.3
		read_deltas
	done
}

# class DESC CLASS EXPECTED... : send N frames of CLASS; the counters must move by
# exactly EXPECTED (KEY=VALUE, VALUE may use N and B: the frames and their inner
# bytes) and nothing else may move. The counters read last are the base: nothing
# else moves them between classes.
class() {
	local desc=$1 cls=$2 kv v want=() exp
	shift 2
	rebase
	fuzz "$cls" $N
	for kv; do
		v=${kv#*=}
		v=${v//N/$SENT_COUNT}
		v=${v//B/$SENT_BYTES}
		want+=("${kv%%=*}=$((v))")
	done
	exp=$(ordered "${want[@]}")
	wait_deltas "$exp"
	check_eq "$desc (${SENT_COUNT} frames): ${exp:-nothing moves}" "$DELTAS" "$exp"
}

DELIVER100=(U.rx_packets=N U.rx_bytes=B 100.tx_packets=N 100.tx_bytes=B)
REACH=(U.rx_packets=N U.rx_bytes=B)	# reached the switch, then dropped

# ---- one class at a time ----------------------------------------------------------

class "valid, VNI 100, broadcast ARP: to the VM of network 100 only" valid "${DELIVER100[@]}"
check_eq "its inner source is learned behind $PEER in network 100" \
	"$(kj fdb show switch "$SW" net 100 | jq -r '.[] | select(.mac == "02:fa:00:00:00:00") | "\(.remote) \(.state)"')" \
	"$PEER learned"
class "valid, VNI 200: to the VM of network 200 only" valid2 \
	U.rx_packets=N U.rx_bytes=B 200.tx_packets=N 200.tx_bytes=B
class "VNI 999 (no such network): unknown_vni, not switched" unknown_vni "U.unknown_vni=N"
class "VXLAN flags 0x00 (I clear): bad_encap" flags_noi "U.bad_encap=N"
# (0x88: G, group policy; 0x0c: P, VXLAN-GPE; the helper has them as classes too)
class "VXLAN flags 0x09 0x0a 0x0c 0x18 0x28 0x48 0x88 (I + another): bad_encap" flags_any "U.bad_encap=N"
class "VXLAN reserved bytes 1-3 not zero: bad_encap" resv13 "U.bad_encap=N"
class "VXLAN reserved byte 7 not zero: bad_encap" resv7 "U.bad_encap=N"
class "UDP payload of 0-7 bytes (short VXLAN header): bad_encap" short "U.bad_encap=N"
class "inner frame of 0-13 bytes: malformed" runt "U.malformed=N"
class "inner frame of exactly 14 bytes: delivered" min "${DELIVER100[@]}"
class "inner source multicast: spoofed_src" src_mcast "${REACH[@]}" "U.spoofed_src=N"
class "inner source 00:00:00:00:00:00: spoofed_src" src_zero "${REACH[@]}" "U.spoofed_src=N"
class "inner source = P1's static MAC: spoofed_src" src_static "${REACH[@]}" "U.spoofed_src=N"
check_eq "M1 stays a static entry of $P1" "$(fdb_field "$SW" 100 $M1 dev) $(fdb_field "$SW" 100 $M1 state)" \
	"$P1 static"
class "inner destination 01:80:C2:00:00:0X: link_local" link_local "${REACH[@]}" "U.link_local=N"
class "inner destination behind the fabric (split horizon): no_route" behind "${REACH[@]}" "U.no_route=N"

# QinQ inside VXLAN: the inner frame is opaque to kvs (SPEC.md: VLAN rules are
# the vlan fabric's), so it reaches the VM as it was sent
if command -v tcpdump >/dev/null 2>&1; then
	QSRC=02:fa:11:00:00:00
	ip netns exec "$NS1" tcpdump -i eth0 -nn -l -xx -c $N "ether src $QSRC" \
		>"$TMPD/qinq.out" 2>"$TMPD/qinq.err" &
	QPID=$!
	defer_pid $QPID
	wait_until 20 grep -q "listening on" "$TMPD/qinq.err" || diag "tcpdump did not say it listens"
fi
class "inner QinQ (0x88a8 + 0x8100): delivered to the VM of network 100" qinq "${DELIVER100[@]}"
if [ -n "${QPID:-}" ]; then
	wait_until 10 sh -c "! kill -0 $QPID 2>/dev/null"
	kill "$QPID" 2>/dev/null
	wait "$QPID" 2>/dev/null
	# tcpdump -xx: "<TAB>0x0010:  ffff ..." lines, one block per frame
	got=$(awk '/^[0-9]/ { n++ } n == 1 && /^[ \t]+0x[0-9a-f]+:/ { $1 = ""; printf "%s", $0 }' \
		"$TMPD/qinq.out" | tr -d ' ')
	check_eq "the VM received the QinQ frame unchanged, both tags (tcpdump -xx)" "$got" "$SENT_HEX"
	check_eq "the VM captured all $N QinQ frames" \
		"$(count_lines '^[0-9][0-9:.]+ ' "$(<"$TMPD/qinq.out")")" $N
else
	skip "the VM received the QinQ frame unchanged" "tcpdump not installed"
fi

class "inner frame of 1600 bytes, the VM's MTU 1500: mtu, not truncated" oversize "${REACH[@]}" "U.mtu=N"
class "inner frame of 1514 bytes: delivered" maxsize "${DELIVER100[@]}"
class "bad outer UDP checksum: the UDP layer drops it, kvs sees nothing" badcsum
class "outer UDP checksum 0 (none, valid over IPv4): delivered" nocsum "${DELIVER100[@]}"
class "UDP port 4790 (not the fabric's): kvs sees nothing" otherport
ipb <<<"link set dev $SW down"
class "valid, VNI 100, while $SW is down: counted, no_route, not switched" valid \
	U.rx_packets=N U.rx_bytes=B U.no_route=N
ipb <<<"link set dev $SW up"

# remote MACs count against the network's max-macs: room for 10 more in network 200
learned200=$(kj net show switch "$SW" | jq '.[] | select(.net == 200) | .learned')
must "$KVS" net set 200 switch "$SW" max-macs $((learned200 + 10))
class "20 new sources, room for 10 in network 200: 10 delivered, 10 mac_limit" many \
	U.rx_packets=N U.rx_bytes=B U.mac_limit=N-10 200.tx_packets=10 "200.tx_bytes=B*10/N"
check_eq "network 200 is at its max-macs" \
	"$(kj net show switch "$SW" | jq '.[] | select(.net == 200) | .learned')" $((learned200 + 10))
must "$KVS" net set 200 switch "$SW" max-macs 16384

# learning: the sources of what reached the switch, none of what did not
check_eq "learned behind $PEER: the sources of valid, valid2, min, behind, qinq, oversize, maxsize, nocsum, many" \
	"$(kj fdb show switch "$SW" | jq -r --arg r "$PEER" '[.[] | select(.remote == $r and .state == "learned" and (.mac | startswith("02:fa:"))) | .mac[6:8]] | unique | join(" ")')" \
	"00 01 0b 10 11 12 13 15 17"

dmesg_checkpoint "kernel log clean after the malformed classes"

# ---- random frames, each one's fate predicted ------------------------------------------

rebase
t0=$SECONDS
fuzz garbage "$GARBAGE"
diag "$GARBAGE random frames in about $((SECONDS - t0)) s"
want=()
for k in "${!EXPECT[@]}"; do
	want+=("$k=${EXPECT[$k]}")
done
exp=$(ordered "${want[@]}")
wait_deltas "$exp"
check_eq "random frames: the counters moved as predicted" "$DELTAS" "$exp"
GARBAGE200=${EXPECT[200.tx_packets]:-0}
check_ge "random frames: some reached the VMs" "${EXPECT[100.tx_packets]:-0}" 1
check_ge "random frames: some were bad_encap" "${EXPECT[U.bad_encap]:-0}" 1
check_ge "random frames: some were unknown_vni" "${EXPECT[U.unknown_vni]:-0}" 1
dmesg_checkpoint "kernel log clean after the random frames"

# ---- the fabric still works ----------------------------------------------------------------

class "after all this, valid, VNI 100: to the VM of network 100 only" valid "${DELIVER100[@]}"

# every frame kvs handed to a VM arrived whole (none truncated, none lost)
vm_rx() { # vm_rx NETNS : "packets bytes" eth0 of NETNS received
	ip -n "$1" -s -j link show dev eth0 | jq -r '.[0].stats64.rx | "\(.packets) \(.bytes)"'
}
snap
check_eq "v1 received exactly what kvs sent to $P1 (packets, bytes)" "$(vm_rx "$NS1")" \
	"$(stat_get "$P1" tx_packets) $(stat_get "$P1" tx_bytes)"
check_eq "v2 received exactly what kvs sent to $P2 (packets, bytes)" "$(vm_rx "$NS2")" \
	"$(stat_get "$P2" tx_packets) $(stat_get "$P2" tx_bytes)"
check_eq "v2 received only network 200's frames: valid2, many and the random ones" \
	"$(stat_get "$P2" tx_packets)" "$((N + 10 + GARBAGE200))"

# ---- the fabric port goes while frames come in; it comes back ----------------------------

udp4789() { ss -Hnlu "sport = :4789" 2>&1; }
have_ss=
command -v ss >/dev/null 2>&1 && have_ss=1
if [ -n "$have_ss" ]; then
	check_match "kvs's UDP socket is bound to $LOCAL:4789 (ss; the uplink binding is tested in fabrictrust.sh)" "$LOCAL(%[^ ]+)?:4789" "$(udp4789)"
fi
fuzz_start garbage 150
nap 0.5
check "kvs port del of the fabric port while random frames come in" "$KVS" port del dev "$U"
fuzz_wait garbage
echo quit >&"$FUZZ_IN"
check_fail "$U is no port any more" port_listed "$U"
check_eq "no remote entry is left (learned, static, flood list)" \
	"$(kj fdb show switch "$SW" | jq '[.[] | select(.remote != null)] | length')" 0
if [ -n "$have_ss" ]; then
	check_eq "no UDP socket on port 4789 is left" "$(udp4789)" ""
else
	skip "kvs's UDP socket goes with the fabric port" "ss not installed"
fi
dmesg_checkpoint "kernel log clean after the fabric port went under traffic"
check "the fabric port comes back on the same address and port" \
	"$KVS" port add dev "$U" switch "$SW" fabric vxlan local $LOCAL remote $PEER dstport 4789

# both ways through a Linux vxlan peer (VNI 100 only), network 200 isolated
ipb -n "$NSATT" <<EOF
link add vx100 type vxlan id 100 dstport 4789 local $PEER remote $LOCAL dev eth0
link set dev vx100 addrgenmode none
addr add 198.51.100.2/24 dev vx100
link set dev vx100 up
EOF
ipb -n "$NS1" <<<"addr add 198.51.100.1/24 dev eth0"
ipb -n "$NS2" <<<"addr add 198.51.100.3/24 dev eth0"
CUR=
rebase
check "v1 (network 100) pings the Linux vxlan peer across the fabric" nsping "$NS1" 198.51.100.2
check "the Linux vxlan peer pings v1 across the fabric" nsping "$NSATT" 198.51.100.1
check "v2 (network 200) does not reach the VNI 100 peer" nsping_none "$NS2" 198.51.100.2
read_deltas
check_match "the fabric port sent and received frames" 'U\.rx_packets=[1-9].*U\.tx_packets=[1-9]' "$DELTAS"
check_nomatch "nothing of network 100 reached v2" '200\.tx_packets' "$DELTAS"
check_nomatch "no drop on the fabric port while the peers talk" \
	'U\.(no_route|isolation|spoofed_src|mac_limit|storm_limit|bad_encap|unknown_vni|mtu|no_memory|malformed|link_local)=' "$DELTAS"

tests_done
