#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the debug kernel for `make check-debug`: Debian's
# linux-source-6.1, `make tinyconfig` + selftests/debug.config (KASAN, lockdep, PROVE_RCU,
# kmemleak, debug objects; virtio/9p and every device the suite uses built in), built out of
# the source tree into $KVS_CACHE/debug-kernel/KEY, KEY = hash of the fragment, the
# linux-source-6.1 package version and the gcc version.  A complete build with
# that key is reused.  Prints the build directory (bzImage at arch/x86/boot/bzImage; usable
# as the KDIR of `make -C DIR M=... modules`).
#
#   debug-kernel.sh [-p]     -p: print the directory the key maps to, build nothing
#
# Environment: KVS_CACHE (default /var/cache/kvs), KVS_KSRC (default
# /usr/src/linux-source-6.1, else extracted from /usr/src/linux-source-6.1.tar.xz),
# KVS_JOBS (make -j, default cores+1).

set -eu -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
frag=$here/../debug.config
cache=${KVS_CACHE:-/var/cache/kvs}/debug-kernel
jobs=${KVS_JOBS:-$(($(nproc) + 1))}
say() { echo "# kvs-debug-kernel: $*" >&2; }
die() { echo "kvs-debug-kernel: $*" >&2; exit 2; }

srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed (apt-get install linux-source-6.1)"
ccver=$(${CC:-gcc} --version | head -1)
key=$( { cat "$frag"; echo "$srcver"; echo "$ccver"; } | sha256sum | cut -c1-16)
out=$cache/$key

if [ "${1:-}" = -p ]; then echo "$out"; exit 0; fi
if [ -f "$out/.kvs-complete" ] && [ -f "$out/arch/x86/boot/bzImage" ]; then
	say "cached: $out (linux-source-6.1 $srcver)"
	echo "$out"; exit 0
fi

ksrc=${KVS_KSRC:-/usr/src/linux-source-6.1}
if [ ! -f "$ksrc/Makefile" ]; then
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f "$tarball" ] || die "no kernel source: $ksrc, $tarball"
	ksrc=$cache/src-$srcver
	if [ ! -f "$ksrc/.kvs-extracted" ]; then
		say "extracting $tarball"
		rm -rf "$ksrc"; mkdir -p "$ksrc"
		tar -xJf "$tarball" -C "$ksrc" --strip-components=1
		touch "$ksrc/.kvs-extracted"
	fi
fi
[ ! -e "$ksrc/.config" ] || die "$ksrc has a .config: an O= build needs a clean source tree"

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [ -f "$out/.kvs-complete" ]; then echo "$out"; exit 0; fi
say "building $out from $ksrc (linux-source-6.1 $srcver), make -j$jobs; about 10-20 min"
start=$(date +%s)
km() { make -s -C "$ksrc" O="$out" ARCH=x86_64 "$@"; }
km tinyconfig >/dev/null
KCONFIG_CONFIG=$out/.config "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$frag" >"$out/merge.log" 2>&1 || { cat "$out/merge.log" >&2; die "merge_config failed"; }
km olddefconfig
# Every option of the fragment must have survived olddefconfig (a missing dependency drops
# an option silently).
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) opt=${line%%=*}; want=${line#*=}
		got=$(grep -E "^$opt=" "$out/.config" | cut -d= -f2- || true)
		[ "$got" = "$want" ] || { say "config: $opt=$want requested, got '${got:-not set}'"; bad=1; } ;;
	"# CONFIG_"*" is not set") opt=${line#"# "}; opt=${opt%% *}
		! grep -qE "^$opt=" "$out/.config" || { say "config: $opt requested off, is on"; bad=1; } ;;
	esac
done <"$frag"
[ $bad = 0 ] || die "the merged config lacks requested options (see above; $out/.config)"
# modules: nothing is =m, but it writes Module.symvers for building kvs.ko against the tree
km -j"$jobs" bzImage modules modules_prepare
# Anything the fragment pulls in as =m would need installing; keep it all built in.
! grep -q '=m$' "$out/.config" || say "warning: modules in the config: $(grep -c '=m$' "$out/.config")"
touch "$out/.kvs-complete"
say "built in $(( $(date +%s) - start )) s"
echo "$out"
