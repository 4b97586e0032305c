# SPDX-License-Identifier: MIT
# Sourced by the workflow tests: $irqrr, a temporary directory $tmp, fail()
# (../lib.sh), check_export_plot TRACE.
. "$(dirname "$0")/../lib.sh"

# export --perfetto and plot of a whole trace: valid JSON covering every
# event, a well-formed SVG with at least one waveform row.
check_export_plot() {
	"$irqrr" export "$1" --perfetto "$tmp/x.json" || fail "export --perfetto $1"
	"$irqrr" plot "$1" -o "$tmp/x.svg" || fail "plot $1"
	events=$("$irqrr" info "$1" | sed -n 's/^events: //p')
	python3 - "$tmp/x.json" "$tmp/x.svg" "$events" <<'PY' || fail "export/plot output check"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
ev, od, n = d["traceEvents"], d["otherData"], int(sys.argv[3])
assert len(ev) > 10, len(ev)
assert od["partial"] is False and od["first_event"] == 0 and od["last_event"] == n - 1, od
assert all("ph" in e and "pid" in e for e in ev)
root = ET.parse(sys.argv[2]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
rows = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "line-row"]
assert rows, "no waveform row"
print("export: %d JSON events for %d trace events; plot: %d line rows" % (len(ev), n, len(rows)))
PY
}
