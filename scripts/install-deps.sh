#!/usr/bin/env bash
# Installs the Debian 12 packages that assay's build, tests, demo and
# benchmarks need, when any is missing (apt-get update first, then one
# apt-get install). Uses sudo when not run as root.
set -euo pipefail

packages=(
	# build
	build-essential pkg-config clang git
	libgit2-dev libyaml-dev libxml2-dev libpcre2-dev libsqlite3-dev libhpdf-dev zlib1g-dev
	libarchive-dev libjansson-dev libcmocka-dev
	# tests and tools they drive
	jq sqlite3 valgrind libxml2-utils qpdf poppler-utils fonts-dejavu-core zstd util-linux
	# benchmarks
	ripgrep hyperfine
)

# The SARIF test installs Microsoft's validator with npm: Debian's npm,
# unless a node toolchain is already on the PATH.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
