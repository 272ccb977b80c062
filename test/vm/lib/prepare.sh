# shellcheck shell=bash
# Sourced by vm-run.sh: what the VM tier needs on the host, and the cached
# kernel + base initramfs it boots. Everything comes from Debian's archive;
# the kernel package is downloaded and unpacked, never installed (the host's
# /boot is never touched).
KPKG_WANTED=${REAPD_VM_KPKG:-linux-image-6.12-cloud-amd64}
CACHE=${REAPD_VM_CACHE:-/var/cache/reapd/vm}
# What the guest's root needs at boot that may be a module (6.12 cloud has
# virtio-pci, virtio-console and virtiofs built in; 6.1 has them as modules),
# then zram's compressors where they come through the crypto API.
BOOT_MODULES="virtio_pci virtio_console virtiofs overlay zram"
OPTIONAL_MODULES="lz4 lzo_rle zstd"

vm_fail() { echo "vm-run: $*" >&2; exit 125; }

# Prints why the tier cannot run on this host (nothing, rc 0, if it can).
missing_reason() {
	local miss=()
	[ "$(id -u)" = 0 ] || { echo "needs root (virtiofsd, mount namespaces)"; return 1; }
	command -v qemu-system-x86_64 >/dev/null && [ -x /usr/lib/qemu/virtiofsd ] || miss+=(qemu-system-x86)
	# /bin/busybox of busybox-static runs in the initramfs without a libc
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || miss+=(busybox-static)
	command -v cpio >/dev/null || miss+=(cpio)
	command -v modprobe >/dev/null && command -v depmod >/dev/null || miss+=(kmod)
	command -v xz >/dev/null || miss+=(xz-utils)
	command -v zstd >/dev/null || miss+=(zstd)
	[ ${#miss[@]} -eq 0 ] && return 0
	echo "missing host packages: apt-get install --no-install-recommends ${miss[*]}"
	return 1
}

# linux-image-6.12-cloud-amd64 -> linux-image-6.12.117+deb12-cloud-amd64
resolve_kernel_package() {
	local pkg=$1 dep
	for _ in 1 2 3; do
		case $pkg in linux-image-[0-9]*.[0-9]*[.-][0-9]*-*) break ;; esac
		dep=$(apt-cache depends "$pkg" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
		[ -n "$dep" ] || break
		pkg=$dep
	done
	case $pkg in linux-image-[0-9]*) echo "$pkg" ;; *) return 1 ;; esac
}

fetch_kernel() { # $1 package, $2 directory
	local tmp
	tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	if ! (cd "$tmp" && apt-get download -q "$1" >/dev/null 2>&1); then
		apt-get update -q >/dev/null 2>&1 || true
		(cd "$tmp" && apt-get download -q "$1" >/dev/null 2>"$tmp/err") ||
			{ cat "$tmp/err" >&2; rm -rf "$tmp"; return 1; }
	fi
	rm -rf "$2" && mkdir -p "$2"
	dpkg-deb -x "$tmp"/*.deb "$2/root" && rm -rf "$tmp" || return 1
	depmod -b "$2/root" "${1#linux-image-}"
	extract_vmlinux "$2/root/boot/vmlinuz-${1#linux-image-}" "$2/vmlinux"
	touch "$2/.done"
}

# The bzImage's payload, uncompressed: an ELF with a PVH entry note, booted
# directly (skips the decompressor, 0.6 s under TCG). Offsets from the x86
# boot protocol: setup_sects at 0x1f1, payload_offset/length at 0x248/0x24c,
# relative to the protected-mode code after (setup_sects + 1) * 512 bytes.
# The last 4 payload bytes are the uncompressed size, not compressed data.
extract_vmlinux() { # $1 bzImage, $2 output; falls back to a copy of the bzImage
	local sects off len magic
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$1" | tr -d ' ')
	[ "$sects" = 0 ] && sects=4
	off=$(($((sects + 1)) * 512 + $(od -An -tu4 -j $((0x248)) -N4 "$1" | tr -d ' ')))
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$1" | tr -d ' ')
	magic=$(od -An -tx1 -j "$off" -N4 "$1" | tr -d ' ')
	local unpack
	case $magic in
	28b52ffd) unpack='zstd -dcq' ;;
	fd377a58) unpack='xz -dcq' ;;
	1f8b*) unpack='gzip -dcq' ;;
	*) unpack='' ;;
	esac
	if [ -n "$unpack" ]; then
		tail -c +$((off + 1)) "$1" | head -c $((len - 4)) | $unpack >"$2.tmp" 2>/dev/null || true
	fi
	if [ -s "$2.tmp" ] && [ "$(od -An -tx1 -N4 "$2.tmp" | tr -d ' ')" = 7f454c46 ]; then
		mv "$2.tmp" "$2"
	else
		rm -f "$2.tmp" && cp "$1" "$2"
	fi
}

build_initramfs() { # $1 output
	local dir line ko name m
	dir=$(mktemp -d "$CACHE/.initramfs.XXXXXX")
	mkdir -p "$dir/bin" "$dir/modules"
	cp /bin/busybox "$dir/bin/busybox"
	cp "$TIER/lib/initramfs-init.sh" "$dir/init" && chmod 755 "$dir/init"
	: >"$dir/modules.list"
	# "insmod /path/x.ko.xz" per module, dependencies first; "builtin x" skipped
	{
		for m in $BOOT_MODULES; do modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>/dev/null ||
			echo "vm-run: no module $m in $KVER" >&2; done
		for m in $OPTIONAL_MODULES; do modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>/dev/null || true; done
	} | while read -r line; do
		case $line in insmod\ *) ;; *) continue ;; esac
		ko=${line#insmod }
		ko=${ko%% *}
		name=$(basename "$ko")
		name=${name%.xz}
		name=${name%.zst}
		grep -qx "$name" "$dir/modules.list" && continue
		case $ko in
		*.xz) xz -dc "$ko" >"$dir/modules/$name" ;;
		*.zst) zstd -dcq "$ko" >"$dir/modules/$name" ;;
		*) cp "$ko" "$dir/modules/$name" ;;
		esac
		echo "$name" >>"$dir/modules.list"
	done
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$1.tmp" && mv "$1.tmp" "$1"
	rm -rf "$dir"
}

# Sets KVER, KROOT, KERNEL, BASE_INITRD; fetches and builds what is missing.
prepare() {
	local why pkg memo kdir key
	why=$(missing_reason) || vm_fail "$why"
	mkdir -p "$CACHE"
	exec 7>"$CACHE/.lock"
	flock 7
	# apt-cache takes ~1 s under load: remember the resolved package for a day
	memo=$CACHE/resolved-$KPKG_WANTED
	if [ -s "$memo" ] && [ -n "$(find "$memo" -mmin -1440)" ] && [ -f "$CACHE/$(sed 's/^linux-image-//' "$memo")/.done" ]; then
		pkg=$(cat "$memo")
	else
		pkg=$(resolve_kernel_package "$KPKG_WANTED") && apt-cache show "$pkg" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 || true; pkg=$(resolve_kernel_package "$KPKG_WANTED"); } ||
			vm_fail "Debian's archive offers no kernel image for $KPKG_WANTED (apt-cache depends)"
		echo "$pkg" >"$memo"
	fi
	KVER=${pkg#linux-image-}
	KVER=${KVER%-unsigned}
	kdir=$CACHE/$KVER
	KROOT=$kdir/root
	KERNEL=$kdir/vmlinux
	if [ ! -f "$kdir/.done" ]; then
		echo "vm-run: fetching $pkg from Debian's archive" >&2
		fetch_kernel "$pkg" "$kdir" || vm_fail "could not download/unpack $pkg (apt-get download)"
	fi
	key=$(cat "$TIER/lib/initramfs-init.sh" "$TIER/lib/prepare.sh" /bin/busybox | sha256sum | cut -c1-12)
	BASE_INITRD=$kdir/initramfs-$key.cpio.gz
	if [ ! -f "$BASE_INITRD" ]; then
		rm -f "$kdir"/initramfs-*.cpio.gz
		build_initramfs "$BASE_INITRD" || vm_fail "could not build the initramfs"
	fi
	flock -u 7
	exec 7>&-
}
