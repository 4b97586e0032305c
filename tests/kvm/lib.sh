# SPDX-License-Identifier: MIT
# Sourced by the KVM tests' common.sh files: $irqrr (the first argument), a
# temporary directory $tmp removed at exit, fail(), wait_file().
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
# wait_file PATH PID: until the recorder PID has created PATH (10 s at most,
# or until it ends). The recorder blocks its signals before it creates the
# trace: a signal sent after that is handled, one sent before it (a slow
# start: ASan on the nested test bed) kills it.
wait_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -e "$1" ] || fail "the recorder did not create $1 within 10 s"
}
