#!/usr/bin/env bash
# Fault check of docs/scale-out.md: an executor JVM killed (kill -9) mid-job on the local standalone cluster. The
# eval must finish with every record once, equal to a local run's.
#   tools/spark/fault-kill-executor.sh [OUT_DIR]      (default /tmp/bgl-spark-fault; BGL_SPARK_PORT, default 7078)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-/tmp/bgl-spark-fault}"; port="${BGL_SPARK_PORT:-7078}"
args=(eval --tasks synthetic --n 100 --seed 0 --methods none,hard --budgets 30,60)
expected=$((100 * (1 + 2)))   # none, and hard at 2 budgets
mkdir -p "$out"
export BGL_SPARK_DIR="$out/cluster" BGL_SPARK_PORT="$port"
"$here/tools/spark/cluster.sh" start
trap '"$here/tools/spark/cluster.sh" stop' EXIT
rm -rf "$out/run"
"$here/bgl" "${args[@]}" --spark "spark://127.0.0.1:$port" --out "$out/run" --force > "$out/run.out" 2> "$out/run.err" &
eval_pid=$!
trap 'kill "$eval_pid" 2>/dev/null || true; "$here/tools/spark/cluster.sh" stop' EXIT
# mid-job: once half the records are written (the second phase, hard at its budgets, under way), the executor of worker 1 (a child of the worker JVM) is killed
for _ in $(seq 1 600); do
  n=$( (wc -l < "$out/run/records.jsonl") 2>/dev/null || echo 0)
  (( n >= expected / 2 )) && break
  sleep 0.5
done
victim="$(pgrep -P "$(cat "$BGL_SPARK_DIR/run/worker-1.pid")" java | head -1 || true)"
[[ -n "$victim" ]] || { echo "no executor JVM under worker 1"; exit 1; }
echo "records written before the kill: $(wc -l < "$out/run/records.jsonl"); kill -9 executor pid $victim"
kill -9 "$victim"
wait "$eval_pid" || { echo "the eval failed:"; tail -5 "$out/run.err"; exit 1; }
lines=$(wc -l < "$out/run/records.jsonl")
keys=$(python3 -c 'import json,sys; print(len({(r["id"],r["method"],r["budget"]) for r in map(json.loads, open(sys.argv[1]))}))' "$out/run/records.jsonl")
echo "after: $lines lines, $keys distinct keys (expected $expected)"
grep -h "Lost executor\|Removing executor\|Launching executor\|Executor .* finished" "$BGL_SPARK_DIR"/logs/*.log | sed 's/^/  log: /' | head -8
"$here/bgl" "${args[@]}" --threads 2 --out "$out/local" --force > /dev/null 2>&1
python3 - "$out/local/records.jsonl" "$out/run/records.jsonl" <<'PY'
import json, sys
def load(p):
    out = {}
    for l in open(p):
        r = json.loads(l)
        for k in ("wall_ms", "decode_tps"): r.pop(k, None)
        out[(r["id"], r["method"], r["budget"])] = r
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
print("records equal to the local run's (less timing fields):", a == b, f"({len(a)} vs {len(b)})")
PY
[[ "$lines" == "$expected" && "$keys" == "$expected" ]]
