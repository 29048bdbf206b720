#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# modload.sh - the README's way to load kvs from a build tree works on a kernel where
# nothing kvs needs is loaded yet: "make load" loads the modules kvs.ko depends on
# (udp_tunnel, ip6_udp_tunnel), then kvs.ko; "make unload" removes it. A bare insmod
# cannot do that (insmod loads no dependency): it is shown to fail first, so that the
# test proves the dependencies really were absent. Runs first in the suite, before any
# test loads vxlan or kvs, and leaves kvs unloaded (the next test's modprobe loads it
# with the harness's options).

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require make modinfo insmod rmmod

tree=${KVS_TREE:-$(cd "$(dirname "$0")/.." && pwd)}
# the module this VM runs (the harness's build for this kernel; on the stock lanes the
# tree's own kvs.ko, on the debug lane a copy built against the debug tree)
ko=$(modinfo -n kvs 2>/dev/null)
[ -n "$ko" ] && [ -f "$ko" ] || skip_all "module kvs not installed (modinfo -n kvs)"
deps=$(modinfo -F depends "$ko" | tr , ' ')
diag "kvs.ko: $ko, depends: ${deps:-none}"

kvs_loaded && must rmmod kvs
# anything that holds the tunnel modules (a vxlan device's module) goes first
for m in vxlan geneve $deps; do
	[ -d "/sys/module/$m" ] && [ -e "/sys/module/$m/initstate" ] && modprobe -r "$m" 2>/dev/null
done

if [ -z "$deps" ]; then
	pass "kvs.ko depends on no module on this kernel (tunnel helpers built in)"
else
	left=
	for m in $deps; do
		[ -d "/sys/module/$m" ] && left+="$m "
	done
	check_eq "dependencies not loaded before the test" "${left:-none}" none
	out=$(insmod "$ko" 2>&1)
	rc=$?
	check_eq "a bare insmod kvs.ko fails (it loads no dependency)" "$rc" 1
	check_match "insmod's reason: an unknown symbol" "unknown symbol" "$out"
	kvs_loaded && run rmmod kvs
fi

check "make load KO=$ko" make -s -C "$tree" --no-print-directory load KO="$ko"
check "kvs is loaded" kvs_loaded
check "the CLI talks to it" "$KVS" switch show
for m in $deps; do
	check "make load loaded $m" test -d "/sys/module/$m"
done
check "make unload" make -s -C "$tree" --no-print-directory unload
check_fail "kvs is not loaded after make unload" kvs_loaded
check_fail "make load with a missing kvs.ko fails" \
	make -s -C "$tree" --no-print-directory load KO=/nonexistent/kvs.ko

tests_done
