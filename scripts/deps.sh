#!/usr/bin/env bash
# Install the Debian 12 packages irqrr needs to build and test (as root, or
# through sudo). Does nothing when they are all present.
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config liblz4-dev libcapstone-dev
      libcmocka-dev liblzma-dev linux-libc-dev python3 clang xz-utils
      protobuf-compiler)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "irqrr: installing ${missing[*]}" >&2
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
