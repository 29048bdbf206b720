#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offline test of kernels.sh's choice of lanes, on fake /boot and /lib/modules trees
# (KVS_ROOT): the 6.1 lane is Debian 12's own 6.1.0-NN-amd64 whatever else is installed
# (a machine whose linux-headers-amd64 comes from bookworm-backports has 6.12 as "the"
# kernel), each 6.12 lane is the newest of its flavour that has headers, and a missing
# kernel is an error, never a silent substitute. TAP; exit 1 on a failure.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0

kernel() { # ROOT KVER [noheaders]
	mkdir -p "$1/boot" "$1/lib/modules/$2/build"
	touch "$1/boot/vmlinuz-$2"
	[ "${3:-}" = noheaders ] || touch "$1/lib/modules/$2/build/Makefile"
}

expect() { # DESC WANT COMMAND...
	local desc=$1 want=$2 got

	shift 2
	got=$("$@" 2>/dev/null | tr '\n' ' ')
	got=${got% }
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - kernels.sh: $desc"
	else
		echo "not ok $n - kernels.sh: $desc: got \"$got\", want \"$want\""
		fails=$((fails + 1))
	fi
}

# the reporter's machine: the backports kernel is the default one, 6.1 still there
r=$tmp/backports
kernel "$r" 6.1.0-40-amd64
kernel "$r" 6.1.0-57-amd64
kernel "$r" 6.1.0-58-amd64 noheaders
kernel "$r" 6.12.95+deb12-amd64
kernel "$r" 6.12.118+deb12-amd64
kernel "$r" 6.12.118+deb12-rt-amd64
kernel "$r" 6.12.120+deb12-rt-amd64 noheaders
expect "6.1 lane is the newest 6.1.0-NN-amd64 with headers" 6.1.0-57-amd64 \
	env KVS_ROOT="$r" "$here/kernels.sh" base
expect "6.12 lanes: newest of each flavour with headers" \
	"6.12.118+deb12-amd64 6.12.118+deb12-rt-amd64" env KVS_ROOT="$r" "$here/kernels.sh" list

# only backports kernels: no 6.1 lane is an error, not 6.12 run twice
r=$tmp/no61
kernel "$r" 6.12.95+deb12-amd64
kernel "$r" 6.12.118+deb12-rt-amd64
expect "no 6.1 kernel: base fails" "rc=1" \
	sh -c 'KVS_ROOT="$1" "$2" base >/dev/null 2>&1; echo "rc=$?"' sh "$r" "$here/kernels.sh"
expect "no 6.12 rt kernel with headers: list fails" "rc=1" \
	sh -c 'KVS_ROOT="$1" KVS_KERNEL_FLAVOURS=amd64\ rt-amd64 "$2" list >/dev/null 2>&1; echo "rc=$?"' \
	sh "$tmp/backports-none" "$here/kernels.sh"

echo "1..$n"
[ "$fails" -eq 0 ]
