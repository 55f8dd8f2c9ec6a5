#!/usr/bin/env bash
# The scaling measurement of docs/scale-out.md: the same eval locally (--threads 2) and on a standalone cluster of
# 2 workers x 1 core (tools/spark/cluster.sh), alternately, then on 1 worker x 1 core; wall time of each whole
# command (JVM and Spark start included), the load average before each, and whether the records are identical.
#   tools/spark/measure.sh [OUT_DIR] [ROUNDS]      (default /tmp/bgl-spark-measure, 2)
#   BGL_MEASURE_METHODS=none,hard,qwen-stop,s1,prompt,nothink,guided: the README's 300-problem run (its budgets at seed 0)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-/tmp/bgl-spark-measure}"; rounds="${2:-2}"
port="${BGL_SPARK_PORT:-7077}"
eval_args=(eval --tasks synthetic --n 300 --seed 0 --methods "${BGL_MEASURE_METHODS:-none,hard,guided}" --budgets 30,60,90)
mkdir -p "$out"
log="$out/times.tsv"
echo -e "run\tseconds\tload1_before\trecords" > "$log"
timed() { # name, command...
  local name="$1"; shift
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  local t0 t1; t0=$(date +%s.%N)
  "$@" > "$out/$name.out" 2> "$out/$name.err"
  t1=$(date +%s.%N)
  echo -e "$name\t$(echo "$t1 - $t0" | bc)\t$load\t$(wc -l < "$out/$name/records.jsonl")" | tee -a "$log"
}
"$here/bgl" --help > /dev/null # builds the jar first, outside the timings; a copy is run, so edits meanwhile rebuild nothing
cp "$here/bgl-cli/target/bgl.jar" "$out/bgl.jar"
export BGL_JAR="$out/bgl.jar"
export BGL_SPARK_PORT="$port" BGL_SPARK_DIR="$out/cluster"
BGL_SPARK_WORKERS=2 "$here/tools/spark/cluster.sh" start
for r in $(seq 1 "$rounds"); do
  timed "local-$r" "$here/bgl" "${eval_args[@]}" --threads 2 --out "$out/local-$r" --force
  timed "cluster2-$r" "$here/bgl" "${eval_args[@]}" --spark "spark://127.0.0.1:$port" --out "$out/cluster2-$r" --force
done
"$here/tools/spark/cluster.sh" stop
BGL_SPARK_WORKERS=1 "$here/tools/spark/cluster.sh" start
timed "cluster1-1" "$here/bgl" "${eval_args[@]}" --spark "spark://127.0.0.1:$port" --out "$out/cluster1-1" --force
"$here/tools/spark/cluster.sh" stop
timed "local1-1" "$here/bgl" "${eval_args[@]}" --threads 1 --out "$out/local1-1" --force
