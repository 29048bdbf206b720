#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check-debug": the whole selftest suite on a debug kernel (KASAN, lockdep, PROVE_RCU,
# kmemleak, debug objects), as TAP lines, then one line "N passed, M failed".
#
#   1. debug-kernel.sh: Debian's linux-source-6.1, tinyconfig + selftests/debug.config,
#      built once into $KVS_CACHE/debug-kernel/KEY (skipped when that build exists).
#   2. kvs.ko for that kernel, built in a temporary copy of the sources (this tree's
#      objects stay built for the stock kernel); the tool and the selftests' helpers here.
#   3. run.sh -B: boot the debug kernel (virtio and 9p built in; modprobe kvs loads the
#      new kvs.ko), run run_tests.sh with every per-test timeout scaled by
#      $KVS_DEBUG_TIMEOUT_SCALE (default 4), then kmemleak (fails on leaks involving kvs)
#      and the kernel-log checks (KASAN, lockdep, RCU, BUG, WARNING, ...).
#
# Environment: KVS_CACHE, KVS_DEBUG_TIMEOUT_SCALE, KVS_DEBUG_VM_TIMEOUT (seconds, default
# 10800), KVS_DEBUG_TESTS (run only these tests, space-separated), KVS_JOBS (kernel build);
# FDB_SCALE (fdbscale.sh's and dumps.sh's entries, 2 500 here), TENANT_FLOOD (tenant.sh's
# attack frames, 20 000 here), NLFUZZ_* and FRAMEFUZZ_* (the fuzzers' knobs) reach the tests.
#
# Counting as in check.sh (tally.sh). Run from the Makefile (it passes KVS_VERSION); exit status 0
# only if nothing failed.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
: "${KVS_VERSION:?run this from the Makefile: make check-debug}"
make=${MAKE:-make}
scale=${KVS_DEBUG_TIMEOUT_SCALE:-4}

work=$(mktemp -d /tmp/kvs-check-debug.XXXXXX) || exit 1
# shellcheck source=tally.sh
source "$here/tally.sh"

echo "TAP version 13"

# 1. the kernel
start=$(date +%s)
if ktree=$("$here/debug-kernel.sh" 2>"$work/kernel.log"); then
	result 0 "build: debug kernel $(cat "$ktree/include/config/kernel.release") ($(($(date +%s) - start)) s)"
	sed 's/^/# /' "$work/kernel.log" | grep -v 'override: .* changes choice state'
else
	result 1 "build: debug kernel (see $work/kernel.log)"
	tail -n 30 "$work/kernel.log" | sed 's/^/#   /'
	tally_finish
fi
kver=$(cat "$ktree/include/config/kernel.release")
echo "# kvs $KVS_VERSION, debug kernel $kver ($ktree)"

# 2. kvs.ko in a copy of the sources; the tool and helpers in the tree
src=$work/src
mkdir -p "$src"
(cd "$tree" && find Kbuild Makefile kernel uapi -type f \
	\( -name '*.[ch]' ! -name '*.mod.c' -o -name Kbuild -o -name Makefile \) \
	-exec cp --parents {} "$src/" \;)
if "$make" -C "$src" --no-print-directory KERNELRELEASE="$kver" KERNELDIR="$ktree" \
	KVS_VERSION="$KVS_VERSION" module >"$work/module.log" 2>&1 && [ -f "$src/kvs.ko" ]; then
	result 0 "build: kvs.ko for the debug kernel"
else
	result 1 "build: kvs.ko for the debug kernel"
	tail -n 30 "$work/module.log" | sed 's/^/#   /'
	tally_finish
fi
"$make" -C "$tree" --no-print-directory KVS_VERSION="$KVS_VERSION" tools >"$work/tools.log" 2>&1 ||
	result 1 "build: the kvs tool (see $work/tools.log)"
if [ -f "$tree/selftests/Makefile" ]; then
	"$make" -C "$tree/selftests" --no-print-directory >"$work/helpers.log" 2>&1 ||
		result 1 "build: the selftests' C helpers (see $work/helpers.log)"
fi

# 3. the suite in one VM, then run.sh's kmemleak and kernel-log checks
vm=$work/vm
# The debug lane runs the tests whose kvs code KASAN, lockdep, PROVE_RCU and kmemleak judge
# best: object lifetimes (lifecycle, churn, the fabric's net del race in fabrictrust), every
# error path of the netlink API (badinput, nlfuzz), malformed frames and encapsulations
# (framefuzz, fabricfuzz), the veth shortcut and the batch queue (fastpath), memory charged
# to cgroups (accounting). The functional tests (forwarding, isolation, security, ageing,
# fdbscale, permission, tenant, hosttools, fabric) run on the stock lanes only: under KASAN
# and TCG the whole suite takes 40 minutes and the CI has 70 for all four lanes. The
# fuzzers run for shorter times (framefuzz 12 s a round, nlfuzz 20 s, churn 15 s),
# fabricfuzz's random burst is 200 frames instead of 500 (every class of malformed
# encapsulation is still sent), fabrictrust tests the IPv4 underlay with 8 net del/add
# rounds. KVS_TESTS_SKIP= (empty) runs everything.
export FDB_SCALE=${FDB_SCALE:-2500}
export TENANT_FLOOD=${TENANT_FLOOD:-20000}
export FABRICFUZZ_COUNT=${FABRICFUZZ_COUNT:-200}
export FRAMEFUZZ_SECONDS=${FRAMEFUZZ_SECONDS:-12}
export NLFUZZ_SECONDS=${NLFUZZ_SECONDS:-20}
export CHURN_SECS=${CHURN_SECS:-15}
export FT_TCP_KB=${FT_TCP_KB:-256}
export FT_FAMILIES=${FT_FAMILIES:-4}
export FT_CHURN=${FT_CHURN:-8}
export KVS_TESTS_SKIP=${KVS_TESTS_SKIP-forwarding.sh isolation.sh security.sh ageing.sh \
fdbscale.sh permission.sh tenant.sh hosttools.sh fabric.sh interop.sh kvsd.sh cni.sh \
podman.sh dumps.sh evpn.sh}
targs=()
for t in ${KVS_DEBUG_TESTS:-}; do	# only these tests (names as for run_tests.sh -t)
	targs+=(-t "$t")
done
"$here/run.sh" -B "$ktree" -K "$src/kvs.ko" -S "$scale" -T "${KVS_DEBUG_VM_TIMEOUT:-10800}" \
	"${targs[@]}" -o "$vm" 2>&1 | sed -u 's/^/# /'
tally_vm "$vm"
tally_finish
