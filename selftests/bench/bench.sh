#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - the kvs benchmark, run inside the test VM (as root) by host.sh through
# selftests/vm/run.sh. It measures every system under test side by side and writes raw
# figures, one line per measurement and repetition, to OUT/raw.tsv:
#
#   measure  system  param  rep  value  note      (tab-separated; value FAIL = failed)
#
# Systems, each in its own network namespace b-SYS, built once and kept while the
# repetitions alternate between them (rep 1: every system, rep 2: every system, ...):
#
#   floor   a_i ==veth== d_i                           (no switch: the generator's limit)
#   mirred  a_i ==== p_i -tc mirred-> q_i ==== d_i    (no switch: the forwarding limit)
#   bridge  a_i ==== p_i [Linux bridge] q_i ==== d_i
#   ovs     a_i ==== p_i [OVS kernel datapath, NORMAL] q_i ==== d_i
#   kvs     a_i ==== p_i [kvs switch, net 1] q_i ==== d_i   (kvs-bN: batch N, if supported)
#
# pktgen sends from a_i (pair i, i = 0..3, on kpktgend_(i mod CPUs)) to d_i's MAC, which
# each switch has as a static entry on q_i (known unicast); d_i drops everything with a
# tc ingress matchall rule whose counter is the delivered count. Rate = frames counted
# at the sinks / pktgen's own run time.
#
# Exact mode (-x; the VM runs with run.sh -i: 1 vCPU, the guest clock counts
# instructions): pktgen sends FRAMES frames (-f) instead of running SECS seconds, every
# one of them must reach the sink, and the value is pktgen's run time per frame in ns,
# which on that clock is instructions per frame. Pairs > 1 are skipped (1 vCPU); added:
# flood-ping RTT, the burst measurements (frames in batches of 32, veth GRO, floods)
# with NAPI polls per frame, and a perf profile per system.
#
# usage: bench.sh -o OUT [-r REPS] [-s SECS] [-q] [-l SAMPLES] [-x [-f FRAMES]]

set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
PATH=$tree/userspace/kvs:$PATH:/usr/sbin:/sbin

OUT=
REPS=7
SECS=2
QUICK=
LSAMPLES=2000
EXACT=
FRAMES=100000
while getopts "o:r:s:ql:xf:" opt; do
	case $opt in
	o) OUT=$OPTARG ;;
	r) REPS=$OPTARG ;;
	s) SECS=$OPTARG ;;
	q) QUICK=1 ;;
	l) LSAMPLES=$OPTARG ;;
	x) EXACT=1 ;;
	f) FRAMES=$OPTARG ;;
	*) echo "usage: bench.sh -o OUT [-r REPS] [-s SECS] [-q] [-l SAMPLES] [-x [-f FRAMES]]" >&2; exit 2 ;;
	esac
done
[ -n "$OUT" ] || { echo "bench.sh: -o OUT is required" >&2; exit 2; }
mkdir -p "$OUT" || exit 2
RAW=$OUT/raw.tsv
: >"$RAW"
LOG=$OUT/bench.log
: >"$LOG"
LAT=$here/kvs_lat
BLAST=$here/kvs_blast
NCPU=$(nproc)
T0=$(date +%s)

# what is measured: frame sizes (with FCS; pktgen's pkt_size is 4 less), pairs, fdb sizes
SIZES=(64 512 1518)
PAIRS=(1 2 4)
FDB_LEVELS=(1 1000 100000 1000000)
OVS_FDB_MAX=1000
FAB_SIZES=(64 1518)
MEM_PORTS=64
MEM_FDB=100000
if [ -n "$QUICK" ]; then
	FDB_LEVELS=(1 1000 100000)
	FAB_SIZES=(64)
	MEM_FDB=10000
fi
MAXP=4
# exact mode: one vCPU, so one pair; the FDB levels get half the frames (they take the
# fill time besides); flood-ping round trips; the frame a flood sends (no switch knows
# its destination)
SKIP_PAIRS=()
FDB_FRAMES=$((FRAMES / 2))
PINGS=2000
M_FLOOD=02:ee:00:00:00:99
if [ -n "$EXACT" ]; then
	SKIP_PAIRS=(2 4)
	PAIRS=(1)
fi
# frames per pktgen run in exact mode (set before each measurement)
NFRAMES=$FRAMES

say() { echo "bench: [$(($(date +%s) - T0))s] $*"; }
log() { echo "$*" >>"$LOG"; }
# run CMD...: run it, its output and status into the log; its status returned
run() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	{ echo "+ $*"; [ -z "$out" ] || echo "$out"; [ $rc -eq 0 ] || echo "(exit $rc)"; } >>"$LOG"
	return $rc
}
# emit MEASURE SYSTEM PARAM REP VALUE [NOTE]
emit() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$RAW"; }

phase_t=0
phase() { # phase NAME: starts a phase, prints the previous one's wall time
	local now
	now=$(date +%s)
	[ -z "${PHASE:-}" ] || { say "phase $PHASE: $((now - phase_t)) s wall"; emit phase "$PHASE" wall 0 $((now - phase_t)); }
	PHASE=$1
	phase_t=$now
	[ "$1" = end ] || say "---- phase $1 ----"
}

mac() { printf '02:%s:00:00:00:%02x' "$1" "$2"; }	# mac KIND INDEX

# ---- common set-up --------------------------------------------------------------------
# No IPv6 anywhere (no MLD, DAD or RS frames reaching the sinks). devconf_inherit_init_net
# is not enough: on the 6.1 guest a new namespace still had default.disable_ipv6 = 0, so
# its veths sent MLD reports and router solicitations, which the switches flooded to the
# sinks (the wall mode's "extra" frames); nsadd turns IPv6 off in each namespace.
sysctl -qw net.core.devconf_inherit_init_net=1
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
sysctl -qw net.core.netdev_max_backlog=1000
for m in veth pktgen bridge openvswitch vxlan kvs; do
	modprobe "$m" || say "modprobe $m failed"
done
# nsadd NAME: a network namespace, IPv6 off
nsadd() {
	ip netns add "$1" &&
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
if [ -n "$EXACT" ]; then
	# ksoftirqd real-time: when the softirq work is handed over to it, it runs at once,
	# not after pktgen's time slice, in which pktgen would overfill the backlog of
	# 1000 frames (791 of 20000 frames lost so in one run)
	for p in $(pgrep -x 'ksoftirqd/[0-9]+'); do
		chrt -f -p 1 "$p" || say "chrt -f ksoftirqd ($p) failed"
	done
fi
emit meta kernel "$(uname -r)" 0 0
emit meta kvs "$(modinfo -F version kvs 2>/dev/null || echo ?)" 0 0
emit meta reps "$REPS" 0 0
emit meta secs "$SECS" 0 0
emit meta cpus "$NCPU" 0 0
MODE=wall
[ -z "$EXACT" ] || MODE=exact
emit meta mode "$MODE" 0 0
[ -z "$EXACT" ] || { emit meta frames "$FRAMES" 0 0; emit meta fdb_frames "$FDB_FRAMES" 0 0; }

declare -A FAILED=() ANCHOR=() LATSRV=() FAB=()
SYSTEMS=(floor mirred bridge ovs kvs)

# Does this kvs take a per-switch batch size? Then kvs-b1, kvs-b16, kvs-b64 too.
BATCH=
nsadd probe-batch && {
	if run kvs -n probe-batch switch add pb0 batch 16; then
		BATCH=1
		SYSTEMS+=(kvs-b1 kvs-b16 kvs-b64)
	fi
	ip netns del probe-batch
}
emit meta batch "${BATCH:-0}" 0 0
say "systems: ${SYSTEMS[*]} (kvs batch knob: ${BATCH:-no})"

# Open vSwitch: daemons on tmpfs; ovs-vswitchd in netns b-ovs, which holds every OVS
# datapath of the run (memory, throughput, fabric).
OVSD=/tmp/bench-ovs
export OVS_RUNDIR=$OVSD OVS_DBDIR=$OVSD OVS_LOGDIR=$OVSD OVS_SYSCONFDIR=$OVSD
OVS_OK=
ovs_start() {
	local schema=/usr/share/openvswitch/vswitch.ovsschema t
	for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl; do
		command -v $t >/dev/null || { FAILED[ovs]="$t not found"; return 1; }
	done
	mkdir -p "$OVSD"
	nsadd b-ovs &&
	run ovsdb-tool create "$OVSD/conf.db" "$schema" &&
	run ovsdb-server --remote="punix:$OVSD/db.sock" --pidfile --detach --log-file "$OVSD/conf.db" &&
	run ovs-vsctl --no-wait init &&
	run ip netns exec b-ovs ovs-vswitchd --pidfile --detach --log-file || {
		FAILED[ovs]="Open vSwitch daemons did not start"; return 1; }
	OVS_OK=1
}
ovs_stop() {
	[ -n "$OVS_OK" ] || return 0
	ovs_hold ovs
	timeout 20 ovs-appctl -t ovs-vswitchd exit --cleanup >/dev/null 2>&1
	timeout 5 ovs-appctl -t ovsdb-server exit >/dev/null 2>&1
	OVS_OK=
}
# ovs_hold SYS (exact mode): the Open vSwitch daemons stopped (SIGSTOP) while another
# system is measured: on one vCPU their periodic work would be counted in that system's
# time (9% between two runs of OVS itself); running again for OVS (ovs_hold ovs)
OVS_HELD=
ovs_hold() {
	local sig=STOP p
	[ -n "$EXACT" ] && [ -n "$OVS_OK" ] || return 0
	[ "$1" = ovs ] && sig=CONT
	if [ "$sig" = STOP ]; then [ -z "$OVS_HELD" ] || return 0; else [ -n "$OVS_HELD" ] || return 0; fi
	for p in "$OVSD/ovs-vswitchd.pid" "$OVSD/ovsdb-server.pid"; do
		[ ! -f "$p" ] || kill -"$sig" "$(cat "$p")" 2>>"$LOG"
	done
	OVS_HELD=
	[ "$sig" = CONT ] || OVS_HELD=1
}
ovs_start || say "ovs: ${FAILED[ovs]}"

# meminfo fields, in kB: Slab Percpu VmallocUsed HugePages_Total HugePages_used
meminfo() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 2
	awk '/^Slab:/ {s = $2} /^Percpu:/ {p = $2} /^VmallocUsed:/ {v = $2}
	     /^HugePages_Total:/ {ht = $2} /^HugePages_Free:/ {hf = $2}
	     END {print s, p, v, ht, ht - hf}' /proc/meminfo
}

cleanup() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in b-*|lc-*|ls-*|fr-*|m-*) ;; *) continue ;; esac
		[ "$ns" = b-ovs ] && continue
		ip netns del "$ns" 2>/dev/null
	done
	kill "${LATSRV[@]}" "${ANCHOR[@]}" 2>/dev/null
	ovs_stop
	ip netns del b-ovs 2>/dev/null
}
trap cleanup EXIT

# ---- memory ---------------------------------------------------------------------------
# For kvs, bridge and OVS in turn: 64 veth pairs exist first; then a switch (idle), then
# its 64 ports, then MEM_FDB static entries; Slab/Percpu/vmalloc after each, caches
# dropped. OVS's MAC table is in ovs-vswitchd (user space): no per-entry figure.
phase memory
mem_step() { # mem_step SYSTEM STEP DIVISOR BEFORE AFTER
	local i names=(slab percpu vmalloc) b a
	read -ra b <<<"$4"
	read -ra a <<<"$5"
	for i in 0 1 2; do
		emit mem "$1" "$2_${names[$i]}" 1 "$(awk -v a="${a[$i]}" -v b="${b[$i]}" -v d="$3" \
			'BEGIN {printf "%.1f", (a - b) * 1024 / d}')" "bytes per unit; $3 units"
	done
	emit mem "$1" "$2_hugepages" 1 "${a[4]}" "hugepages in use (total ${a[3]})"
}
mem_sys() {
	local sys=$1 ns=m-$1 i m0 m1 m2 m3 m4 f=/tmp/bench-mem.batch
	[ "$sys" = ovs ] && ns="b-ovs"
	[ "$sys" = ovs ] && [ -z "$OVS_OK" ] && return 1
	ip netns list | grep -qw "$ns" || nsadd "$ns" || return 1
	: >$f
	for ((i = 0; i < MEM_PORTS; i++)); do
		echo "link add mp$i type veth peer name mq$i" >>$f
		echo "link set mp$i up" >>$f
		echo "link set mq$i up" >>$f
	done
	run ip -n "$ns" -batch $f || return 1
	m0=$(meminfo)
	case $sys in
	kvs) run kvs -n "$ns" switch add ms0 ;;
	bridge) run ip -n "$ns" link add ms0 type bridge mcast_snooping 0 && run ip -n "$ns" link set ms0 up ;;
	ovs) run ovs-vsctl --timeout=60 add-br ms0 ;;
	esac || return 1
	m1=$(meminfo)
	: >$f
	case $sys in
	kvs)
		echo "net add 1 switch ms0" >$f
		for ((i = 0; i < MEM_PORTS; i++)); do echo "port add dev mp$i switch ms0 net 1" >>$f; done
		run kvs -n "$ns" -b $f ;;
	bridge)
		for ((i = 0; i < MEM_PORTS; i++)); do echo "link set mp$i master ms0" >>$f; done
		run ip -n "$ns" -batch $f ;;
	ovs)
		local a=()
		for ((i = 0; i < MEM_PORTS; i++)); do a+=(-- add-port ms0 "mp$i"); done
		run ovs-vsctl --timeout=120 "${a[@]}" ;;
	esac || return 1
	m2=$(meminfo)
	mem_step "$sys" idle 1 "$m0" "$m1"
	mem_step "$sys" port "$MEM_PORTS" "$m1" "$m2"
	if [ "$sys" != ovs ]; then
		case $sys in
		kvs) awk -v n="$MEM_FDB" 'BEGIN { for (i = 0; i < n; i++)
			printf "fdb add 02:bb:%02x:%02x:%02x:%02x net 1 switch ms0 dev mp0\n",
			int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >$f
			run kvs -n "$ns" -b $f ;;
		bridge) awk -v n="$MEM_FDB" 'BEGIN { for (i = 0; i < n; i++)
			printf "fdb add 02:bb:%02x:%02x:%02x:%02x dev mp0 master static\n",
			int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >$f
			run ip netns exec "$ns" bridge -batch $f ;;
		esac || return 1
		m3=$(meminfo)
		mem_step "$sys" fdb "$MEM_FDB" "$m2" "$m3"
		# learned: MEM_FDB frames from mq1 with as many source MACs, to a static MAC on mp0
		if [ "$sys" = kvs ]; then
			run kvs -n "$ns" net set 1 switch ms0 max-macs 0 &&
			run kvs -n "$ns" port set dev mp1 max-macs 0 || return 1
		fi
		run ip netns exec "$ns" "$BLAST" mq1 02:bb:00:00:00:00 02:cc:00:00:00:00 64 \
			"$MEM_FDB" "$MEM_FDB" || return 1
		sleep 1
		m4=$(meminfo)
		local n
		case $sys in
		kvs) n=$(kvs -n "$ns" fdb show switch ms0 | grep -c '^02:cc:') ;;
		bridge) n=$(ip netns exec "$ns" bridge fdb show dev mp1 | grep -c '^02:cc:') ;;
		esac
		if [ "$n" -eq "$MEM_FDB" ]; then
			mem_step "$sys" learned "$MEM_FDB" "$m3" "$m4"
		else
			emit mem "$sys" learned_slab 1 FAIL "$n of $MEM_FDB source MACs learned"
		fi
	fi
	rm -f $f
	return 0
}
for sys in kvs bridge ovs; do
	if mem_sys $sys; then
		say "memory: $sys measured"
	else
		emit mem $sys all 1 FAIL "set-up failed (see bench.log)"
		say "memory: $sys FAILED"
	fi
	# tear down
	if [ $sys = ovs ]; then
		[ -z "$OVS_OK" ] || run ovs-vsctl --timeout=60 --if-exists del-br ms0
		for ((i = 0; i < MEM_PORTS; i++)); do echo "link del mp$i"; done >/tmp/bench-mem.del
		run ip -n b-ovs -batch /tmp/bench-mem.del
	else
		ip netns del m-$sys 2>/dev/null
	fi
done

# ---- the throughput topologies --------------------------------------------------------
phase setup
# In b-SYS: a_i/p_i and q_i/d_i veth pairs (floor: a_i/d_i), e0/f0 (a spare port fdb
# entries point to), l0/l1 for latency (peers eth0 in lc-SYS and ls-SYS, 10.9.0.1 and .2),
# g0/h0 and u0 (192.0.2.1, peer u1 = 192.0.2.2 in fr-SYS) for the fabric.
M_FAR=02:fe:00:00:00:01
setup_common() { # setup_common SYS
	local sys=$1 ns=b-$1 i f=/tmp/bench-setup.$1
	[ "$sys" = ovs ] || nsadd "$ns" || return 1
	nsadd "lc-$sys" && nsadd "ls-$sys" || return 1
	{
	for ((i = 0; i < MAXP; i++)); do
		if [ "$sys" = floor ]; then
			echo "link add a$i address $(mac a0 $i) type veth peer name d$i address $(mac d0 $i)"
		else
			echo "link add a$i address $(mac a0 $i) type veth peer name p$i"
			echo "link add q$i type veth peer name d$i address $(mac d0 $i)"
			echo "link set p$i up"
			echo "link set q$i up"
		fi
		echo "link set a$i up"
		echo "link set d$i up"
	done
	if [ "$sys" = floor ]; then
		echo "link add eth0 netns lc-$sys type veth peer name eth0 netns ls-$sys"
	else
		echo "link add l0 type veth peer name eth0 netns lc-$sys"
		echo "link add l1 type veth peer name eth0 netns ls-$sys"
		echo "link set l0 up"
		echo "link set l1 up"
		echo "link add e0 type veth peer name f0"
		echo "link set e0 up"
		echo "link set f0 up"
	fi
	} >"$f"
	run ip -n "$ns" -batch "$f" || return 1
	for i in c s; do
		local ip=10.9.0.1
		[ $i = c ] || ip=10.9.0.2
		run ip -n "l$i-$sys" addr add $ip/24 dev eth0 &&
		run ip -n "l$i-$sys" link set eth0 up && run ip -n "l$i-$sys" link set lo up || return 1
	done
	for ((i = 0; i < MAXP; i++)); do
		run tc -n "$ns" qdisc add dev d$i clsact &&
		run tc -n "$ns" filter add dev d$i ingress matchall action drop || return 1
	done
	rm -f "$f"
	# a process in the namespace: its /proc/PID/net/pktgen is the namespace's
	ip netns exec "$ns" sleep 100000 &
	ANCHOR[$sys]=$!
	ip netns exec "ls-$sys" "$LAT" -s &
	LATSRV[$sys]=$!
	sleep 0.2
	[ -d "/proc/${ANCHOR[$sys]}/net/pktgen" ] || { log "no pktgen in $ns"; return 1; }
}
# setup_fabric SYS: g0/h0 (generator, switch port), u0 the underlay to fr-SYS, whose
# vxlan device vx (VNI 100) counts the decapsulated frames
setup_fabric() {
	local sys=$1 ns=b-$1 fr=fr-$1
	nsadd "$fr" &&
	run ip -n "$ns" link add g0 address "$(mac a1 0)" type veth peer name h0 &&
	run ip -n "$ns" link add u0 mtu 1600 type veth peer name u1 mtu 1600 netns "$fr" &&
	run ip -n "$ns" addr add 192.0.2.1/24 dev u0 &&
	run ip -n "$fr" addr add 192.0.2.2/24 dev u1 &&
	run ip -n "$ns" link set g0 up && run ip -n "$ns" link set h0 up &&
	run ip -n "$ns" link set u0 up && run ip -n "$fr" link set u1 up &&
	run ip -n "$fr" link add vx type vxlan id 100 dstport 4789 local 192.0.2.2 remote 192.0.2.1 nolearning &&
	run ip -n "$fr" link set vx address $M_FAR up &&
	run tc -n "$fr" qdisc add dev vx clsact &&
	run tc -n "$fr" filter add dev vx ingress matchall action drop &&
	run ip netns exec "$ns" ping -c 1 -W 5 192.0.2.2 || return 1
	# the far end's address resolved for good: no ARP probe in the middle of a run
	local u1mac
	u1mac=$(ip netns exec "$fr" cat /sys/class/net/u1/address) &&
	run ip -n "$ns" neigh replace 192.0.2.2 lladdr "$u1mac" dev u0 nud permanent || return 1
	case $sys in
	kvs)
		run kvs -n "$ns" switch add s1 &&
		run kvs -n "$ns" net add 100 switch s1 &&
		run kvs -n "$ns" port add dev h0 switch s1 net 100 &&
		run kvs -n "$ns" port add dev u0 switch s1 fabric vxlan local 192.0.2.1 remote 192.0.2.2 &&
		run kvs -n "$ns" fdb add $M_FAR net 100 switch s1 remote 192.0.2.2 ;;
	bridge)
		run ip -n "$ns" link add br1 type bridge mcast_snooping 0 &&
		run ip -n "$ns" link add vxb mtu 1550 type vxlan id 100 dstport 4789 local 192.0.2.1 remote 192.0.2.2 nolearning &&
		run ip -n "$ns" link set vxb master br1 up &&
		run ip -n "$ns" link set h0 master br1 &&
		run ip -n "$ns" link set br1 up &&
		run ip netns exec "$ns" bridge fdb replace $M_FAR dev vxb master static ;;
	floor)
		# the encapsulation alone: h0's frames redirected into a vxlan device
		run ip -n "$ns" link add vxm mtu 1550 type vxlan id 100 dstport 4789 local 192.0.2.1 remote 192.0.2.2 nolearning &&
		run ip -n "$ns" link set vxm up &&
		run tc -n "$ns" qdisc add dev h0 clsact &&
		run tc -n "$ns" filter add dev h0 ingress matchall action mirred egress redirect dev vxm ;;
	ovs)
		run ovs-vsctl --timeout=60 add-br ob1 -- add-port ob1 h0 -- add-port ob1 vx0 \
			-- set interface vx0 type=vxlan options:remote_ip=192.0.2.2 options:key=100 &&
		run ovs-appctl fdb/add ob1 vx0 0 $M_FAR ;;
	esac
}
setup_sys() { # setup_sys SYS
	local sys=$1 ns=b-$1 i f=/tmp/bench-sw.$1 a=()
	setup_common "$sys" || return 1
	case $sys in
	floor) ;;
	mirred)
		for i in $(seq 0 $((MAXP - 1))) l0:l1 l1:l0; do
			local from=p$i to=q$i
			case $i in *:*) from=${i%:*}; to=${i#*:} ;; esac
			run tc -n "$ns" qdisc add dev "$from" clsact &&
			run tc -n "$ns" filter add dev "$from" ingress matchall \
				action mirred egress redirect dev "$to" || return 1
		done ;;
	bridge)
		{
			echo "link add s0 type bridge mcast_snooping 0"
			for ((i = 0; i < MAXP; i++)); do echo "link set p$i master s0"; echo "link set q$i master s0"; done
			echo "link set l0 master s0"
			echo "link set l1 master s0"
			echo "link set e0 master s0"
			echo "link set s0 up"
		} >"$f"
		run ip -n "$ns" -batch "$f" || return 1
		for ((i = 0; i < MAXP; i++)); do
			run ip netns exec "$ns" bridge fdb replace "$(mac d0 $i)" dev q$i master static || return 1
		done ;;
	ovs)
		[ -n "$OVS_OK" ] || return 1
		a=(add-br s0 -- set bridge s0 other_config:mac-table-size=2000000 other_config:mac-aging-time=3600)
		for ((i = 0; i < MAXP; i++)); do a+=(-- add-port s0 "p$i" -- add-port s0 "q$i"); done
		a+=(-- add-port s0 l0 -- add-port s0 l1 -- add-port s0 e0)
		run ovs-vsctl --timeout=120 "${a[@]}" || return 1
		for ((i = 0; i < MAXP; i++)); do
			run ovs-appctl fdb/add s0 q$i 0 "$(mac d0 $i)" || return 1
		done ;;
	kvs*)
		local bopt=
		case $sys in kvs-b*) bopt="batch ${sys#kvs-b}" ;; esac
		{
			echo "switch add s0 $bopt"
			echo "net add 1 switch s0"
			for ((i = 0; i < MAXP; i++)); do
				echo "port add dev p$i switch s0 net 1"
				echo "port add dev q$i switch s0 net 1"
				echo "fdb add $(mac d0 $i) net 1 switch s0 dev q$i"
			done
			echo "port add dev l0 switch s0 net 1"
			echo "port add dev l1 switch s0 net 1"
			echo "port add dev e0 switch s0 net 1"
		} >"$f"
		run kvs -n "$ns" -b "$f" || return 1 ;;
	esac
	rm -f "$f"
	case $sys in kvs|bridge|ovs|floor)
		if setup_fabric "$sys"; then FAB[$sys]=1
		else FAILED[fabric-$sys]="fabric set-up failed (see bench.log)"; fi ;;
	esac
	pg_attach "$sys" || { log "pktgen: cannot attach the generators of $sys"; return 1; }
	return 0
}

# ---- pktgen ---------------------------------------------------------------------------
# sink_count NS DEV...: frames the tc drop rules on DEV... counted (one tc, no jq)
sink_count() {
	local ns=$1 d out n=0 re='"packets":([0-9]+)'
	shift
	out=$(for d in "$@"; do echo "filter show dev $d ingress"; done |
		tc -n "$ns" -s -j -batch - 2>/dev/null) || return 1
	while [[ $out =~ $re ]]; do
		n=$((n + BASH_REMATCH[1]))
		out=${out#*"${BASH_REMATCH[0]}"}
	done
	echo $n
}
# tx_count SYS DEV...: frames DEV... transmitted (their own counters, /proc/net/dev of b-SYS)
tx_count() {
	local sys=$1 line name rest n=0 f
	shift
	while read -r line; do
		name=${line%%:*}
		rest=${line#*:}
		for d in "$@"; do
			if [ "$name" = "$d" ]; then
				read -ra f <<<"$rest"
				n=$((n + f[9]))
			fi
		done
	done <"/proc/${ANCHOR[$sys]}/net/dev"
	echo $n
}
# pg_attach SYS: the system's generators on pktgen's threads, kept for the whole run:
# a_i on kpktgend_(i mod CPUs), g0 (the fabric's) on kpktgend_0. A run sets "count 0"
# on the devices it uses and "count 1" on the others (one frame each, not counted).
declare -A PGDEVS=()
pg_attach() {
	local sys=$1 pg=/proc/${ANCHOR[$1]}/net/pktgen t i devs=()
	for ((t = 0; t < NCPU; t++)); do
		echo rem_device_all 2>>"$LOG" >"$pg/kpktgend_$t" || { log "pktgen: rem_device_all failed"; return 1; }
	done
	[ "$sys" = mirred ] || [ -z "${FAB[$sys]:-}" ] || devs+=(g0)
	for ((i = 0; i < MAXP; i++)); do devs+=("a$i"); done
	i=0
	for d in "${devs[@]}"; do
		t=$((i % NCPU))
		[ "$d" = g0 ] && t=0
		[ "$d" = g0 ] || i=$((i + 1))
		echo "add_device $d" 2>>"$LOG" >"$pg/kpktgend_$t" || { log "pktgen: add_device $d failed"; return 1; }
		local dm=$M_FAR
		[ "$d" = g0 ] || dm=$(mac d0 "${d#a}")
		# (dst_mac: an idle generator's one frame goes to its own sink, never flooded)
		for line in "count 1" "clone_skb 0" "delay 0" "burst 1" "dst_mac $dm" "dst 198.18.0.2" \
			"src_min 198.18.0.1" "src_max 198.18.0.1" "udp_src_min 9" "udp_src_max 9"; do
			echo "$line" 2>>"$LOG" >"$pg/$d" || { log "pktgen $d: '$line' refused"; return 1; }
		done
	done
	PGDEVS[$sys]="${devs[*]}"
}
# pg_run SYS NS SIZE DEV...: pktgen sends SIZE-byte frames (FCS included) from each DEV
# (to DSTS[i]) for SECS seconds (exact mode: NFRAMES frames each), counted at SINKS in
# SINK_NS; prints "DELIVERED SENT USEC TX" (USEC: the longest run), or a reason and
# fails. Exact mode: PG_PREFIX, if set, is a command the run is started under (perf).
PG_PREFIX=()
pg_run() {
	local sys=$1 ns=$2 size=$3 pg d i before after sent=0 usec=0 r u s k pid txb txa cnt=0
	shift 3
	if [ "$GENMODE" = af ]; then
		# kvs_blast instead of pktgen: frames nobody else holds (see kvs_blast.c)
		before=$(sink_count "$SINK_NS" "${SINKS[@]}")
		txb=$(tx_count "$sys" "$@")
		r=$("${PG_PREFIX[@]}" ip netns exec "$ns" "$BLAST" "$1" "${DSTS[0]}" "$(mac a0 0)" \
			"$size" "$NFRAMES" 2>&1) || { echo "kvs_blast: $r"; return 1; }
		sleep 0.2
		after=$(sink_count "$SINK_NS" "${SINKS[@]}")
		txa=$(tx_count "$sys" "$@")
		read -r sent usec <<<"$r"
		[[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] || { echo "cannot read the sink counters"; return 1; }
		echo "$((after - before)) $sent $usec $((txa - txb))"
		return 0
	fi
	pg=/proc/${ANCHOR[$sys]}/net/pktgen
	[ -z "$EXACT" ] || cnt=$NFRAMES
	for d in ${PGDEVS[$sys]}; do echo "count 1" >"$pg/$d" || { echo "pktgen $d: count refused"; return 1; }; done
	i=0
	for d in "$@"; do
		for line in "count $cnt" "pkt_size $((size - 4))" "dst_mac ${DSTS[$i]}"; do
			echo "$line" >"$pg/$d" || { echo "pktgen $d: '$line' refused"; return 1; }
		done
		i=$((i + 1))
	done
	before=$(sink_count "$SINK_NS" "${SINKS[@]}")
	txb=$(tx_count "$sys" "$@")
	if [ -n "$EXACT" ]; then
		# pktgen stops by itself after NFRAMES; "start" returns then
		"${PG_PREFIX[@]}" ip netns exec "$ns" sh -c 'echo start >/proc/net/pktgen/pgctrl' >>"$LOG" 2>&1 ||
			{ echo "pktgen start failed${PG_PREFIX[0]:+ under ${PG_PREFIX[0]}} (see bench.log)"; return 1; }
	else
		ip netns exec "$ns" sh -c 'echo start >/proc/net/pktgen/pgctrl' &
		pid=$!
		# the run time starts when pktgen runs (starting it takes a while under TCG)
		for ((k = 0; k < 100; k++)); do
			[[ $(<"$pg/$1") =~ Result:\ (OK|Idle) ]] || break
			sleep 0.05
		done
		sleep "$SECS"
		ip netns exec "$ns" sh -c 'echo stop >/proc/net/pktgen/pgctrl'
		wait $pid
	fi
	sleep 0.2
	after=$(sink_count "$SINK_NS" "${SINKS[@]}")
	txa=$(tx_count "$sys" "$@")
	local re='Result: OK: ([0-9]+)\(.*\) usec, ([0-9]+) '
	for d in "$@"; do
		r=$(<"$pg/$d")
		if ! [[ $r =~ $re ]]; then
			r=$(grep -m1 '^Result' <<<"$r")
			echo "pktgen $d: ${r:-no result}"
			return 1
		fi
		u=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]}
		sent=$((sent + s))
		[ "$u" -gt "$usec" ] && usec=$u
	done
	[[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] || { echo "cannot read the sink counters"; return 1; }
	echo "$((after - before)) $sent $usec $((txa - txb))"
}
# softnet_drops: frames the stack's per-CPU backlogs dropped so far (all namespaces)
softnet_drops() {
	local n=0 x
	while read -r _ x _; do n=$((n + 16#$x)); done </proc/net/softnet_stat
	echo $n
}
# measure MEASURE SYS PARAM REP SIZE PAIRS [fabric]: one pktgen run, one raw line.
# GEN, if set, is the one generator (pair 0's, set up by burst_on); DST, if set, the
# destination MAC instead of the sink's (a flood: still counted at d0 only).
GEN=
DST=
GENMODE=
measure() {
	local what=$1 sys=$2 param=$3 rep=$4 size=$5 pairs=$6 fab=${7:-} ns=b-$2 out del sent usec tx i devs=() sd
	if [ -n "${FAILED[$sys]:-}" ]; then emit "$what" "$sys" "$param" "$rep" FAIL "${FAILED[$sys]}"; return; fi
	ovs_hold "$sys"
	if [ -n "$fab" ] && [ -n "${FAILED[fabric-$sys]:-}" ]; then
		emit "$what" "$sys" "$param" "$rep" FAIL "${FAILED[fabric-$sys]}"; return
	fi
	DSTS=()
	if [ -n "$fab" ]; then
		devs=(g0) SINKS=(vx) SINK_NS=fr-$sys DSTS=("$M_FAR")
	else
		SINKS=() SINK_NS=$ns
		for ((i = 0; i < pairs; i++)); do devs+=("a$i"); SINKS+=("d$i"); DSTS+=("${DST:-$(mac d0 $i)}"); done
		[ -z "$GEN" ] || devs=("$GEN")
	fi
	sd=$(softnet_drops)
	out=$(pg_run "$sys" "$ns" "$size" "${devs[@]}")
	if [ $? -ne 0 ]; then
		emit "$what" "$sys" "$param" "$rep" FAIL "$out"
		log "FAIL $what $sys $param rep $rep: $out"
		return
	fi
	if [ -n "$EXACT" ]; then
		# every frame pktgen sent counted at the sink, none more: the run time on the
		# instruction clock divided by the frames is the instructions per frame
		read -r del sent usec tx <<<"$out"
		sd=$(($(softnet_drops) - sd))
		if [ "$del" -ne "$sent" ] || [ "$sent" -ne "$NFRAMES" ] || [ "$usec" -le 0 ]; then
			out="delivered $del of $sent sent ($NFRAMES asked; generators' tx $tx; backlog drops $sd) in $usec us"
			emit "$what" "$sys" "$param" "$rep" FAIL "$out"
			log "FAIL $what $sys $param rep $rep: $out"
			return
		fi
		emit "$what" "$sys" "$param" "$rep" "$(awk -v u="$usec" -v n="$sent" 'BEGIN {printf "%.1f", u * 1000 / n}')" \
			"delivered $del sent $sent usec $usec"
		log "$what $sys $param rep $rep: delivered $del sent $sent tx $tx usec $usec"
		return
	fi
	# sent: pktgen's count; tx: the generators' own tx counters (pktgen's frames and
	# anything else they sent); the sinks must not count more than the generators sent
	# A handful of frames beyond that (at most 1 in 10^4, and 16) is tolerated and noted:
	# seen with every switch (never floor or mirred) while the namespaces still had IPv6
	# (their MLD reports and router solicitations, flooded to the sinks; see nsadd).
	read -r del sent usec tx <<<"$out"
	local extra=$((del - tx)) xnote=
	if [ "$extra" -gt 0 ] && [ "$extra" -le 16 ] && [ "$extra" -le $((tx / 10000)) ]; then
		xnote=" extra $extra"
		log "$what $sys $param rep $rep: $extra frames more at the sinks than the generators sent"
		del=$tx
	fi
	if [ "$del" -le 0 ] || [ "$del" -gt "$tx" ] || [ "$usec" -le 0 ]; then
		out="delivered $del of $sent sent (generators' tx $tx) in $usec us"
		[ "$del" -gt "$tx" ] && out="$out (more frames delivered than sent)"
		emit "$what" "$sys" "$param" "$rep" FAIL "$out"
		log "FAIL $what $sys $param rep $rep: $out"
		return
	fi
	emit "$what" "$sys" "$param" "$rep" $((del * 1000000 / usec)) \
		"delivered $del sent $sent tx $tx usec $usec$xnote"
	log "$what $sys $param rep $rep: delivered $del sent $sent tx $tx usec $usec"
}
# rotate N: the systems, the list rotated by N (who goes first changes per repetition)
rotate() {
	local n=$(($1 % ${#SYSTEMS[@]}))
	echo "${SYSTEMS[@]:$n}" "${SYSTEMS[@]:0:$n}"
}

for sys in "${SYSTEMS[@]}"; do
	[ -z "${FAILED[$sys]:-}" ] || continue
	if setup_sys "$sys"; then
		say "set up $sys"
	else
		FAILED[$sys]="set-up failed (see bench.log)"
		say "set-up of $sys FAILED"
	fi
done

# ---- throughput -----------------------------------------------------------------------
phase throughput
POINTS=()
for s in "${SIZES[@]}"; do POINTS+=("$s:1"); done
for p in "${PAIRS[@]}"; do [ "$p" -gt 1 ] && POINTS+=("64:$p"); done
for p in "${SKIP_PAIRS[@]}"; do
	for sys in "${SYSTEMS[@]}"; do
		emit tput "$sys" "64:$p" 1 SKIP "exact mode runs 1 vCPU (BENCH_MODE=wall measures pairs)"
	done
done
NFRAMES=$FRAMES
for ((rep = 1; rep <= REPS; rep++)); do
	for pt in "${POINTS[@]}"; do
		for sys in $(rotate $rep); do
			measure tput "$sys" "$pt" "$rep" "${pt%:*}" "${pt#*:}"
		done
	done
	say "throughput: repetition $rep of $REPS done"
done

# ---- bursts and floods (exact mode) ---------------------------------------------------
# 64-byte frames to d0's MAC (uni) and to M_FLOOD (flood: no switch knows it, so every
# port of the switch gets a copy; counted at d0 only, so the value is per frame sent,
# all its copies included; floor and mirred do not look at the MAC: for them a flood
# is the same run as uni), three ways into the switch:
#   b1   as the throughput runs: pktgen a0 -> veth -> p0, which receives through the
#        stack's backlog; each frame's softirq work runs before pktgen sends the next
#        (b1:uni is the throughput table's 64-byte figure, not run again)
#   b32  pktgen "xmit_mode netif_receive" with "burst 32" on p0 (floor: d0): 32 frames
#        received back to back with bottom halves off, as from one NAPI poll of a NIC,
#        so the softirq work after them (the sink's backlog, kvs's batch queue) runs
#        once per 32 frames. (pktgen refuses "burst" > 1 for sending on a veth: veth has
#        no IFF_TX_SKB_SHARING; a0 does not take part here.)
#   gro  GRO on a0's peer (p0; floor: d0), so that veth receives through NAPI, burst 1
#   af   as b1, but the frames come from kvs_blast (AF_PACKET, sendmmsg) instead of
#        pktgen: nobody else holds them, as with a VM's or a container's frames, so a
#        switch that changes a frame need not clone it first (pktgen's are shared)
# In the first repetition each point runs once more under "perf stat -e napi:napi_poll"
# (measure "polls"): NAPI polls per frame show the batches the switch really got.
BURST_VARIANTS=(b1 b32 gro af)
burst_peer() { if [ "$1" = floor ]; then echo d0; else echo p0; fi; }
# burst_on SYS VARIANT: GEN and the generator's peer set up for VARIANT
burst_on() {
	local sys=$1 ns=b-$1 peer pg line
	peer=$(burst_peer "$sys")
	case $2 in
	b32)
		pg=/proc/${ANCHOR[$sys]}/net/pktgen
		if ! echo rem_device_all 2>>"$LOG" >"$pg/kpktgend_0" ||
		   ! echo "add_device $peer" 2>>"$LOG" >"$pg/kpktgend_0"; then
			log "pktgen: cannot add $peer"
			return 1
		fi
		for line in "xmit_mode netif_receive" "burst 32" "clone_skb 0" "delay 0" "src_mac $(mac a0 0)" \
			"dst 198.18.0.2" "src_min 198.18.0.1" "src_max 198.18.0.1" "udp_src_min 9" "udp_src_max 9"; do
			echo "$line" 2>>"$LOG" >"$pg/$peer" || { log "pktgen $peer: '$line' refused"; return 1; }
		done
		PGDEVS[$sys]=$peer
		GEN=$peer ;;
	af)
		[ -x "$BLAST" ] || { log "kvs_blast not built"; return 1; }
		GENMODE=af ;;
	gro)
		run ip netns exec "$ns" ethtool -K "$peer" gro on || return 1
		if ! ip netns exec "$ns" ethtool -k "$peer" | grep -q '^generic-receive-offload: on'; then
			log "$sys: GRO did not turn on for $peer"
			return 1
		fi ;;
	esac
	return 0
}
# burst_off SYS VARIANT: back to the throughput runs' set-up
burst_off() {
	local peer
	peer=$(burst_peer "$1")
	case $2 in
	b32) GEN=; pg_attach "$1" ;;
	af) GENMODE= ;;
	gro) run ip netns exec "b-$1" ethtool -K "$peer" gro off ;;
	esac
}
# polls SYS PARAM: the current set-up's 64-byte run once more, counting NAPI polls
polls() {
	local sys=$1 param=$2 ns=b-$1 pf=$OUT/napi-polls.txt out rc del sent n
	if ! command -v perf >/dev/null; then
		emit polls "$sys" "$param" 1 FAIL "perf not found (the host's linux-perf)"; return
	fi
	DSTS=("${DST:-$(mac d0 0)}") SINKS=(d0) SINK_NS=$ns
	ovs_hold "$sys"
	rm -f "$pf"
	PG_PREFIX=(perf stat -x ',' -e napi:napi_poll -a -o "$pf" --)
	out=$(pg_run "$sys" "$ns" 64 "${GEN:-a0}")
	rc=$?
	PG_PREFIX=()
	[ -f "$pf" ] && cat "$pf" >>"$LOG"
	if [ $rc -ne 0 ]; then emit polls "$sys" "$param" 1 FAIL "$out"; return; fi
	read -r del sent _ <<<"$out"
	n=$(awk -F, '$3 ~ /napi:napi_poll/ {print $1}' "$pf" 2>/dev/null)
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$sent" -le 0 ]; then
		emit polls "$sys" "$param" 1 FAIL "perf stat counted no napi:napi_poll (see bench.log)"; return
	fi
	emit polls "$sys" "$param" 1 "$(awk -v n="$n" -v s="$sent" 'BEGIN {printf "%.3f", n / s}')" \
		"$n polls for $sent frames (delivered $del)"
}
if [ -n "$EXACT" ]; then
	phase burst
	BURSTSYS=()
	for sys in "${SYSTEMS[@]}"; do
		case $sys in floor|mirred|bridge|kvs*) BURSTSYS+=("$sys") ;; esac
	done
	NFRAMES=$FRAMES
	for ((rep = 1; rep <= REPS; rep++)); do
		for v in "${BURST_VARIANTS[@]}"; do
			for sys in "${BURSTSYS[@]}"; do
				kinds=(uni flood)
				[ "$v" = b1 ] && kinds=(flood)
				if [ -z "${FAILED[$sys]:-}" ] && ! burst_on "$sys" "$v"; then
					for k in "${kinds[@]}"; do
						emit burst "$sys" "$v:$k" "$rep" FAIL "$v set-up failed (see bench.log)"
					done
					burst_off "$sys" "$v"
					continue
				fi
				for k in "${kinds[@]}"; do
					DST=
					[ "$k" = flood ] && DST=$M_FLOOD
					measure burst "$sys" "$v:$k" "$rep" 64 1
					[ "$rep" -eq 1 ] && [ -z "${FAILED[$sys]:-}" ] && polls "$sys" "$v:$k"
				done
				DST=
				[ "$v" = b1 ] && [ "$rep" -eq 1 ] && [ -z "${FAILED[$sys]:-}" ] && polls "$sys" b1:uni
				[ -n "${FAILED[$sys]:-}" ] || burst_off "$sys" "$v"
			done
		done
		say "burst: repetition $rep of $REPS done"
	done
fi

# ---- latency --------------------------------------------------------------------------
phase latency
for ((rep = 1; rep <= REPS; rep++)); do
	for sys in $(rotate $rep); do
		if [ -n "${FAILED[$sys]:-}" ]; then
			emit lat "$sys" p50 "$rep" FAIL "${FAILED[$sys]}"
			emit lat "$sys" p99 "$rep" FAIL "${FAILED[$sys]}"
			continue
		fi
		ovs_hold "$sys"
		out=$(ip netns exec "lc-$sys" "$LAT" -c 10.9.0.2 -n "$LSAMPLES" -w 100 -t 1000 2>&1)
		rc=$?
		log "lat $sys rep $rep: $out (exit $rc)"
		if [ $rc -ne 0 ]; then
			emit lat "$sys" p50 "$rep" FAIL "kvs_lat: $out"
			emit lat "$sys" p99 "$rep" FAIL "kvs_lat: $out"
			continue
		fi
		# samples N lost L min X p50 X p90 X p99 X max X mean X
		set -- $out
		emit lat "$sys" p50 "$rep" "$6" "samples $2 lost $4"
		emit lat "$sys" p99 "$rep" "${10}" "samples $2 lost $4"
	done
done

# ---- flood-ping round trip (exact mode) -----------------------------------------------
# ping -f from lc-SYS to ls-SYS through the switch: the average round trip in us (ping
# prints it to the us; on the instruction clock, thousands of instructions)
if [ -n "$EXACT" ]; then
	phase rtt
	re_n='([0-9]+) packets transmitted, ([0-9]+) received'
	re_t='= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms'
	for ((rep = 1; rep <= REPS; rep++)); do
		for sys in $(rotate $rep); do
			if [ -n "${FAILED[$sys]:-}" ]; then emit rtt "$sys" avg "$rep" FAIL "${FAILED[$sys]}"; continue; fi
			ovs_hold "$sys"
			out=$(ip netns exec "lc-$sys" ping -f -q -c "$PINGS" -W 2 10.9.0.2 2>&1)
			rc=$?
			log "rtt $sys rep $rep: $out (exit $rc)"
			if ! [[ $out =~ $re_n ]] || [ "${BASH_REMATCH[1]}" -ne "$PINGS" ] ||
			   [ "${BASH_REMATCH[2]}" -ne "$PINGS" ] || ! [[ $out =~ $re_t ]]; then
				emit rtt "$sys" avg "$rep" FAIL "ping -f: $(grep -m1 -E 'transmitted|ping:' <<<"$out")"
				continue
			fi
			emit rtt "$sys" avg "$rep" "$(awk -v a="${BASH_REMATCH[2]}" 'BEGIN {printf "%.0f", a * 1000}')" \
				"min ${BASH_REMATCH[1]} max ${BASH_REMATCH[3]} mdev ${BASH_REMATCH[4]} ms; $PINGS pings"
		done
	done
fi

# ---- perf profiles (exact mode) -------------------------------------------------------
# One 64-byte known-unicast run of FRAMES frames per system under perf record (the
# host's perf, seen over 9p; cpu-clock, one sample per 50 us, that is per 50 000
# instructions on this clock; every CPU, call graphs). OUT/profile-SYS.txt: who ran
# (comm; pktgen's start and end sleep, so the idle task has a good share), the flat
# profile by symbol of the datapath's threads (kpktgend_0, which runs the softirqs
# too, and ksoftirqd/0), and for kvs the inclusive share of its functions and the call
# graph with callers first. The run's instructions per frame include perf's sampling:
# not comparable with the other tables.
# profile SYS
profile() {
	local sys=$1 ns=b-$1 data=$OUT/perf-$1.data txt=$OUT/profile-$1.txt out rc del sent usec rep
	rep=(perf report -i "$data" --kallsyms=/proc/kallsyms --stdio)
	local dp=(--comms "kpktgend_0,ksoftirqd/0" --percentage relative)
	if [ -n "${FAILED[$sys]:-}" ]; then emit prof "$sys" 64 1 FAIL "${FAILED[$sys]}"; return; fi
	if ! command -v perf >/dev/null; then
		emit prof "$sys" 64 1 FAIL "perf not found in the guest (the host's linux-perf)"; return
	fi
	DSTS=("$(mac d0 0)") SINKS=(d0) SINK_NS=$ns
	ovs_hold "$sys"
	rm -f "$data" "$txt"
	PG_PREFIX=(perf record -e cpu-clock -a -g -c 50000 -B -N -o "$data" --)
	out=$(pg_run "$sys" "$ns" 64 a0)
	rc=$?
	PG_PREFIX=()
	if [ $rc -ne 0 ]; then emit prof "$sys" 64 1 FAIL "$out"; return; fi
	read -r del sent usec _ <<<"$out"
	if [ "$del" -ne "$sent" ] || [ "$usec" -le 0 ]; then
		emit prof "$sys" 64 1 FAIL "delivered $del of $sent sent under perf"; return
	fi
	{
		echo "# $sys: $sent 64-byte frames, known unicast, under perf record -e cpu-clock -a -g -c 50000"
		echo "# $(awk -v u="$usec" -v n="$sent" 'BEGIN {printf "%.1f", u * 1000 / n}') ns (instructions) per frame with perf sampling"
		echo "# kernel $(uname -r), kvs $(modinfo -F version kvs 2>/dev/null || echo ?)"
		echo
		echo "## by command (share of all samples)"
		"${rep[@]}" --no-children --sort comm -g none 2>&1 | grep -E '^# Samples|%' | head -n 9
		echo
		echo "## by symbol: kpktgend_0 and ksoftirqd/0 (share of their samples)"
		"${rep[@]}" --no-children "${dp[@]}" --sort sym -g none 2>&1 | grep '%' | head -n 40
		case $sys in kvs*)
			echo
			echo "## kvs functions, inclusive (children): share of kpktgend_0 and ksoftirqd/0"
			"${rep[@]}" --children "${dp[@]}" --sort sym -g none 2>&1 | grep '%.*\] kvs_' | head -n 30
			echo
			echo "## call graph, callers first (-g caller), symbols above 1%"
			"${rep[@]}" --no-children "${dp[@]}" --sort sym -g graph,0.5,caller,function,percent \
				--percent-limit 1 2>&1 | grep -v -e '^#' -e '^$' | head -n 600 ;;
		esac
	} >"$txt" 2>&1
	if ! grep -q '%' "$txt"; then
		emit prof "$sys" 64 1 FAIL "perf report printed no samples (see $txt)"; return
	fi
	case $sys in kvs*)
		if ! grep -q ' kvs_' "$txt"; then
			emit prof "$sys" 64 1 FAIL "no kvs symbol in the profile (kvs.ko's symbols not found)"; return
		fi ;;
	esac
	emit prof "$sys" 64 1 "$(awk -v u="$usec" -v n="$sent" 'BEGIN {printf "%.1f", u * 1000 / n}')" \
		"profile-$sys.txt; $(grep -m1 '^# Samples' "$txt" | sed 's/^# //')"
}
if [ -n "$EXACT" ]; then
	phase profile
	NFRAMES=$FRAMES
	for sys in floor bridge mirred kvs kvs-b16; do
		[[ " ${SYSTEMS[*]} " == *" $sys "* ]] || continue
		profile "$sys"
		say "profile: $sys done"
	done
fi

# ---- fabric ---------------------------------------------------------------------------
phase fabric
FABSYS=(kvs bridge ovs floor)
NFRAMES=$FRAMES
for ((rep = 1; rep <= REPS; rep++)); do
	for s in "${FAB_SIZES[@]}"; do
		r=$((rep % ${#FABSYS[@]}))
		for sys in "${FABSYS[@]:$r}" "${FABSYS[@]:0:$r}"; do
			measure fabric "$sys" "$s" "$rep" "$s" 1 fabric
		done
	done
done

# ---- fdb scale ------------------------------------------------------------------------
# Static entries to e0 (never a destination of the test traffic), added on top of the
# previous level; OVS learns its entries from frames pktgen sends with OVS_FDB_MAX
# source MACs from f0 (ovs-appctl fdb/add takes about 0.3 s per entry here), so its
# figures stop at OVS_FDB_MAX.
phase fdb
FDBSYS=(kvs bridge ovs)
NFRAMES=$FDB_FRAMES
have=0
fdb_fill() { # fdb_fill SYS FROM TO
	local sys=$1 ns=b-$1 bf=/tmp/bench-fdb.batch pg o
	case $sys in
	kvs) awk -v a="$2" -v b="$3" 'BEGIN { for (i = a; i < b; i++)
		printf "fdb add 02:bb:%02x:%02x:%02x:%02x net 1 switch s0 dev e0\n",
		int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >$bf
		run kvs -n "$ns" -b $bf; o=$?; rm -f $bf; return $o ;;
	bridge) awk -v a="$2" -v b="$3" 'BEGIN { for (i = a; i < b; i++)
		printf "fdb add 02:bb:%02x:%02x:%02x:%02x dev e0 master static\n",
		int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >$bf
		run ip netns exec "$ns" bridge -batch $bf; o=$?; rm -f $bf; return $o ;;
	ovs)
		[ "$3" -le "$OVS_FDB_MAX" ] || return 1
		ovs_hold ovs
		pg=/proc/${ANCHOR[ovs]}/net/pktgen
		for ((o = 0; o < NCPU; o++)); do echo rem_device_all >"$pg/kpktgend_$o"; done
		echo "add_device f0" >"$pg/kpktgend_0" || return 1
		for o in "count $3" "clone_skb 0" "pkt_size 60" "delay 200000" "src_mac 02:bb:00:00:00:00" \
			"src_mac_count $3" "dst_mac 02:ee:00:00:00:01"; do
			echo "$o" >"$pg/f0" || return 1
		done
		run ip netns exec "$ns" sh -c 'echo start >/proc/net/pktgen/pgctrl' || return 1
		pg_attach ovs || return 1
		sleep 2
		o=$(ovs-appctl fdb/show s0 | grep -c ' 02:bb:')
		log "ovs fdb: $o entries learned of $3"
		[ "$o" -ge $(($3 * 9 / 10)) ] || return 1 ;;
	esac
}
for n in "${FDB_LEVELS[@]}"; do
	# level N: N entries in all, counting the MAXP sink entries and the learned source
	fill=$((n - MAXP - 1))
	[ "$fill" -gt 0 ] || fill=0
	for sys in "${FDBSYS[@]}"; do
		[ -z "${FAILED[$sys]:-}" ] || continue
		[ -z "${FAILED[fdb-$sys]:-}" ] || continue
		t=$(date +%s)
		if [ "$sys" = ovs ] && [ "$n" -gt "$OVS_FDB_MAX" ]; then
			FAILED[fdb-$sys]="not run above $OVS_FDB_MAX entries (OVS learns them from frames, too slow here)"
		elif [ "$fill" -gt "$have" ] && ! fdb_fill "$sys" "$have" "$fill"; then
			FAILED[fdb-$sys]="adding $n entries failed (see bench.log)"
		fi
		say "fdb: $sys filled to $n entries in $(($(date +%s) - t)) s ${FAILED[fdb-$sys]:-}"
	done
	have=$fill
	for ((rep = 1; rep <= REPS; rep++)); do
		for sys in "${FDBSYS[@]:$((rep % 3))}" "${FDBSYS[@]:0:$((rep % 3))}"; do
			if [ -n "${FAILED[fdb-$sys]:-}" ]; then
				emit fdb "$sys" "$n" "$rep" FAIL "${FAILED[fdb-$sys]}"
				continue
			fi
			measure fdb "$sys" "$n" "$rep" 64 1
		done
	done
done

phase end
say "done: $(wc -l <"$RAW") raw lines in $RAW"
exit 0
