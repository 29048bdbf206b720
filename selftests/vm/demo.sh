#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvs demo: one switch, two tenant networks, two namespaces ("VMs") in each, all four on
# the same IP subnet. Frames flow inside a network and never between networks.
#
#    red1 10.0.0.1   red2 10.0.0.2          blue1 10.0.0.3   blue2 10.0.0.4
#       | eth0          | eth0                 | eth0             | eth0
#    red1-p          red2-p                 blue1-p          blue2-p      (veth peers)
#       +---- net 100 ----+                    +---- net 200 ----+
#                          \                  /
#                           switch sw0 (kvs)
#
# Needs root, a kernel that loads kvs.ko and the kvs tool in PATH: "make demo" arranges
# all three (in a VM when the running kernel cannot load modules). Prints every command.

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

section() {
	echo
	echo "### $*"
}

cleanup() {
	set +e
	for ns in red1 red2 blue1 blue2; do
		ip netns del "$ns" 2>/dev/null
	done
	kvs switch del sw0 2>/dev/null
}
trap cleanup EXIT
cleanup

section "a switch and two networks"
run kvs switch add sw0
run kvs net add 100 switch sw0 name red
run kvs net add 200 switch sw0 name blue
run kvs net show switch sw0

section "four namespaces, all in 10.0.0.0/24, each behind a veth pair"
addr=1
for ns in red1 red2 blue1 blue2; do
	run ip netns add "$ns"
	run ip link add "$ns-p" type veth peer name eth0 netns "$ns"
	# no IPv6 chatter: only the demo's own frames cross the switch
	run ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	run ip -n "$ns" addr add "10.0.0.$addr/24" dev eth0
	run ip -n "$ns" link set eth0 up
	run ip link set "$ns-p" up
	addr=$((addr + 1))
done

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

section "what the switch saw"
run kvs -s port show
run kvs fdb show

section "clean up"
trap - EXIT
for ns in red1 red2 blue1 blue2; do
	run ip netns del "$ns"
done
run kvs switch del sw0
echo
echo "demo: done"
