#!/usr/bin/env bash
# Installs what `make kernels` needs on Debian 12: nvcc (Debian's
# nvidia-cuda-toolkit 11.8, in the non-free component) and g++-11 (the
# newest host compiler CUDA 11.8 accepts). Safe to run again: it does
# nothing when both are there, adds `contrib non-free` to Debian's own
# sources only when they are missing, and runs apt-get update only when it
# is about to install something. No GPU or driver is needed or installed.
#
# Usage: plugins/install-cuda-toolkit.sh        (as root, or with sudo on PATH)
set -euo pipefail

NVCC="${NVCC:-nvcc}"
HOST_CXX="${HOST_CXX:-g++-11}"

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "install-cuda-toolkit: need root or sudo" >&2; exit 1; }
	sudo_cmd=(sudo)
fi

packages=()
command -v "$NVCC" >/dev/null || packages+=(nvidia-cuda-toolkit)
command -v "$HOST_CXX" >/dev/null || packages+=(g++-11)
if [ ${#packages[@]} -eq 0 ]; then
	echo "install-cuda-toolkit: $(command -v "$NVCC") and $(command -v "$HOST_CXX") are already installed"
	exit 0
fi

# nvidia-cuda-toolkit lives in non-free and pulls a few contrib packages.
# Only stanzas/lines of Debian's own archive are touched; a file is
# rewritten only when one of its Debian entries lacks a component.
add_components() {
	local changed=0 f tmp
	# deb822 sources (Debian 12's default: /etc/apt/sources.list.d/debian.sources).
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		tmp=$(mktemp)
		awk '
			function flush(   i) {
				if (n == 0) return
				for (i = 1; i <= n; i++) {
					if (debian && lines[i] ~ /^Components:/) {
						if (lines[i] !~ /[[:space:]]contrib([[:space:]]|$)/) lines[i] = lines[i] " contrib"
						if (lines[i] !~ /[[:space:]]non-free([[:space:]]|$)/) lines[i] = lines[i] " non-free"
					}
					print lines[i]
				}
				n = 0; debian = 0
			}
			/^[[:space:]]*$/ { flush(); print; next }
			{
				lines[++n] = $0
				if ($0 ~ /^URIs:.*(deb\.debian\.org|security\.debian\.org|ftp\.[a-z.]*debian\.org)\/debian(-security)?\/?([[:space:]]|$)/) debian = 1
			}
			END { flush() }
		' "$f" >"$tmp"
		if ! cmp -s "$f" "$tmp"; then
			"${sudo_cmd[@]}" cp "$tmp" "$f"
			echo "install-cuda-toolkit: added contrib non-free to $f"
			changed=1
		fi
		rm -f "$tmp"
	done
	# One-line sources (older installs: /etc/apt/sources.list).
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		tmp=$(mktemp)
		awk '
			/^[[:space:]]*deb(-src)?[[:space:]]/ && /(deb\.debian\.org|security\.debian\.org|ftp\.[a-z.]*debian\.org)\/debian(-security)?\/?[[:space:]]/ {
				line = $0
				if (line !~ /[[:space:]]contrib([[:space:]]|$)/) line = line " contrib"
				if (line !~ /[[:space:]]non-free([[:space:]]|$)/) line = line " non-free"
				print line; next
			}
			{ print }
		' "$f" >"$tmp"
		if ! cmp -s "$f" "$tmp"; then
			"${sudo_cmd[@]}" cp "$tmp" "$f"
			echo "install-cuda-toolkit: added contrib non-free to $f"
			changed=1
		fi
		rm -f "$tmp"
	done
	if [ "$changed" = 0 ]; then
		echo "install-cuda-toolkit: Debian sources already have contrib non-free"
	fi
}

case " ${packages[*]} " in
*" nvidia-cuda-toolkit "*) add_components ;;
esac

# dpkg's progress runs to hundreds of lines: keep it in a log, show it on failure.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run_logged() {
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "install-cuda-toolkit: failed: $*" >&2
		exit 1
	fi
}

echo "install-cuda-toolkit: installing ${packages[*]} (nvidia-cuda-toolkit is about 1.6 GB to download, 5.4 GB installed)"
run_logged "${sudo_cmd[@]}" apt-get update -qq
run_logged "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"

command -v "$NVCC" >/dev/null || { echo "install-cuda-toolkit: $NVCC still not on PATH after installing" >&2; exit 1; }
command -v "$HOST_CXX" >/dev/null || { echo "install-cuda-toolkit: $HOST_CXX still not on PATH after installing" >&2; exit 1; }
"$NVCC" --version | tail -n 2
