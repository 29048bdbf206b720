# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by run.sh (host) and guest.sh (VM): build a private copy of a kernel's module
# directory that differs from the original only by its kvs.ko.
#
# kvs_modtree SRC DST KO
#	DST gets a symlink to every entry of SRC (kernel/, build, ...), except that extra/
#	and updates/ are rebuilt as directories of symlinks without any kvs.ko*, KO is
#	copied to DST/extra/kvs.ko, and no modules.* index is linked: the caller runs depmod
#	(host) or copies the indexes depmod made (guest). Host and guest build the same tree
#	from the same files, so the host's depmod output is valid for the guest's tree.

kvs_modtree() {
	local src=$1 dst=$2 ko=$3 e n

	mkdir -p "$dst" || return
	for e in "$src"/*; do
		[ -e "$e" ] || [ -L "$e" ] || continue	# an empty SRC (a kernel without modules)
		n=${e##*/}
		case $n in
		modules.*)
			;;
		extra|updates)
			[ -d "$e" ] || continue
			cp -rs "$e" "$dst/$n" || return
			find "$dst/$n" -name 'kvs.ko*' -exec rm -f {} + || return
			;;
		*)
			ln -s "$e" "$dst/$n" || return
			;;
		esac
	done
	mkdir -p "$dst/extra" && cp "$ko" "$dst/extra/kvs.ko"
}
