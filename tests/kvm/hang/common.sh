# SPDX-License-Identifier: MIT
# Sourced by the hang tests: $irqrr, a temporary directory $tmp, fail().
set -u
irqrr=$1
if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing: KVM tests cannot run here" >&2
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
