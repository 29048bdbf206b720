#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvs demo: one switch, two tenant networks, two namespaces ("VMs") in each, all four on
# the same IP subnet. Frames flow inside a network and never between networks. Then a
# second "server", a plain Linux VXLAN host with a bridge and a vxlan device per network,
# joins both networks over the switch's VXLAN fabric port (VNI = network id), with one
# more VM in each. The VM with address 10.0.0.N has MAC 02:00:00:00:00:0N.
#
#    red1 10.0.0.1   red2 10.0.0.2          blue1 10.0.0.3   blue2 10.0.0.4
#       | eth0          | eth0                 | eth0             | eth0
#    red1-p          red2-p                 blue1-p          blue2-p      (veth peers)
#       +---- net 100 ----+                    +---- net 200 ----+
#                          \                  /
#                           switch sw0 (kvs)
#                               | fabric port: uplink 192.0.2.1, VXLAN to UDP port 4789
#   ............................|.................................. underlay (a veth pair)
#    netns server               | eth0 192.0.2.2
#       br100 -- vx100 (vxlan id 100)    br200 -- vx200 (vxlan id 200)
#         |                                 |
#       red3-p ... eth0 red3 10.0.0.5     blue3-p ... eth0 blue3 10.0.0.6
#
# Needs root, a kernel that loads kvs.ko (and the bridge and vxlan modules) and the kvs
# tool in PATH: "make demo" arranges all three (in a VM when the running kernel cannot
# load modules). Prints every command, and exits non-zero if a ping or the forwarding
# table does not show what the demo says.

set -eu

run() {
	echo "\$ $*"
	"$@"
}

# The command must fail: show it, and stop the demo if it does not.
run_fail() {
	echo "\$ $*    # expected to fail"
	if "$@"; then
		echo "demo: FAILED: that worked, the networks are not isolated" >&2
		exit 1
	fi
}

# The command's output must contain $1: show it, and stop the demo if it does not.
run_expect() {
	local want=$1 out

	shift
	echo "\$ $*"
	out=$("$@")
	echo "$out"
	if ! grep -q -- "$want" <<<"$out"; then
		echo "demo: FAILED: no \"$want\" in that" >&2
		exit 1
	fi
}

section() {
	echo
	echo "### $*"
}

vms="red1 red2 blue1 blue2"
remote_vms="red3 blue3"

cleanup() {
	set +e
	for ns in $vms $remote_vms server; do
		ip netns del "$ns" 2>/dev/null
	done
	kvs switch del sw0 2>/dev/null
	pkill -TERM -x kvsd 2>/dev/null
	rm -rf /run/kvs-demo
}
trap cleanup EXIT
cleanup

# "VM" $1 with address 10.0.0.$2: a namespace with a veth pair, eth0 inside and the host
# end $1-p in namespace $3 ("" = this one). No IPv6 chatter: only the demo's own frames
# cross the switch and the fabric.
mk_vm() {
	local ns=$1 n=$2 where=${3:-}

	run ip netns add "$ns"
	run ip ${where:+-n "$where"} link add "$ns-p" type veth \
		peer name eth0 netns "$ns" address "02:00:00:00:00:0$n"
	run ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	run ip -n "$ns" addr add "10.0.0.$n/24" dev eth0
	run ip -n "$ns" link set eth0 up
	run ip ${where:+-n "$where"} link set "$ns-p" up
}

section "a switch and two networks"
run kvs switch add sw0
run kvs net add 100 switch sw0 name red
run kvs net add 200 switch sw0 name blue
run kvs net show switch sw0

section "four namespaces, all in 10.0.0.0/24, each behind a veth pair"
mk_vm red1 1
mk_vm red2 2
mk_vm blue1 3
mk_vm blue2 4

section "attach the host ends: red to network 100, blue to network 200"
run kvs port add dev red1-p switch sw0 net 100
run kvs port add dev red2-p switch sw0 net 100
run kvs port add dev blue1-p switch sw0 net 200
run kvs port add dev blue2-p switch sw0 net 200
run ip -br link show master sw0

section "inside a network: works"
run ip netns exec red1 ping -c 3 -i 0.2 -W 2 10.0.0.2
run ip netns exec blue1 ping -c 3 -i 0.2 -W 2 10.0.0.4

section "across networks, same subnet: nothing gets through"
run_fail ip netns exec red1 ping -c 3 -i 0.2 -W 1 10.0.0.3
run_fail ip netns exec blue2 ping -c 3 -i 0.2 -W 1 10.0.0.2

section "a second server: a Linux VXLAN host, 192.0.2.2 on the underlay"
run ip netns add server
run ip netns exec server sysctl -qw net.ipv6.conf.all.disable_ipv6=1
run ip link add uplink type veth peer name eth0 netns server
run ip addr add 192.0.2.1/24 dev uplink
run ip link set uplink up
run ip -n server addr add 192.0.2.2/24 dev eth0
run ip -n server link set eth0 up
# dstport 4789 (the IANA port, kvs's default): the Linux vxlan default is 8472
for net in 100 200; do
	run ip -n server link add br$net type bridge
	run ip -n server link add vx$net type vxlan id $net dstport 4789 \
		local 192.0.2.2 remote 192.0.2.1 dev eth0
	run ip -n server link set vx$net master br$net up
	run ip -n server link set br$net up
done
mk_vm red3 5 server
mk_vm blue3 6 server
run ip -n server link set red3-p master br100
run ip -n server link set blue3-p master br200

section "the fabric port: every network of sw0 in VXLAN, unknown destinations to 192.0.2.2"
# (VMs behind a VXLAN fabric want MTU 1450 = underlay 1500 - 50; these pings are small)
run kvs port add dev uplink switch sw0 fabric vxlan local 192.0.2.1 remote 192.0.2.2 dstport 4789
run kvs port show

section "over the fabric, inside a network: works, both ways"
run ip netns exec red1 ping -c 3 -i 0.2 -W 2 10.0.0.5
run ip netns exec blue3 ping -c 3 -i 0.2 -W 2 10.0.0.3

section "over the fabric, across networks: nothing gets through"
run_fail ip netns exec blue1 ping -c 3 -i 0.2 -W 1 10.0.0.5
run_fail ip netns exec red3 ping -c 3 -i 0.2 -W 1 10.0.0.4

section "what crossed the fabric, and the remote MACs sw0 learned from it"
run kvs -s port show dev uplink
run_expect "02:00:00:00:00:05 net 100 switch sw0 remote 192.0.2.2 learned" kvs fdb show

section "what the switch saw"
run kvs -s port show

section "kvsd: the same switch as a configuration, kept through a module reload"
# kvsd adopts what exists (it did not create it, so it would never delete it), and
# creates everything again when the module comes back
mkdir -p /run/kvs-demo
cat >/run/kvs-demo/kvsd.conf <<CONF
switch add sw0
net add 100 switch sw0 name red
net add 200 switch sw0 name blue
port add dev red1-p switch sw0 net 100
port add dev red2-p switch sw0 net 100
port add dev blue1-p switch sw0 net 200
port add dev blue2-p switch sw0 net 200
port add dev uplink switch sw0 fabric vxlan local 192.0.2.1 remote 192.0.2.2 dstport 4789
CONF
run cat /run/kvs-demo/kvsd.conf
run kvsd --check /run/kvs-demo/kvsd.conf
echo "\$ kvsd --config /run/kvs-demo/kvsd.conf --socket /run/kvs-demo/kvsd.sock --state-dir /run/kvs-demo &"
kvsd --config /run/kvs-demo/kvsd.conf --socket /run/kvs-demo/kvsd.sock \
	--state-dir /run/kvs-demo 2>&1 | sed -u 's/^/    kvsd: /' &
for _ in $(seq 50); do [ -S /run/kvs-demo/kvsd.sock ] && break; sleep 0.1; done
run rmmod kvs
if [ -n "${KVS_KO:-}" ]; then
	run insmod "$KVS_KO"
else
	run modprobe kvs
fi
# kvsd sees the family come back and re-creates the switch, the networks and the ports
for _ in $(seq 50); do
	[ "$(kvs -j port show switch sw0 2>/dev/null | jq length)" = 5 ] && break
	sleep 0.1
done
run ip -br link show master sw0
run ip netns exec red1 ping -c 3 -i 0.2 -W 2 10.0.0.2
run ip netns exec red1 ping -c 3 -i 0.2 -W 2 10.0.0.5
run_fail ip netns exec red1 ping -c 3 -i 0.2 -W 1 10.0.0.3
pkill -TERM -x kvsd || true
wait 2>/dev/null || true

section "clean up"
trap - EXIT
for ns in $vms $remote_vms server; do
	run ip netns del "$ns"
done
run kvs switch del sw0
echo
echo "demo: done"
