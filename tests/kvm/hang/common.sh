# SPDX-License-Identifier: MIT
# Sourced by the hang tests: $irqrr, a temporary directory $tmp, fail(),
# wait_file() (../lib.sh).
. "$(dirname "$0")/../lib.sh"
