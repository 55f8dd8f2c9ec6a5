#!/usr/bin/env bash
# A Spark standalone cluster on this machine: one master and N workers on 127.0.0.1, from the Spark jars of bgl's
# Maven build (bgl-spark/target/spark/classpath.txt; no Spark download). For the tests, the scaling measurement, and trying
# `./bgl eval --spark spark://127.0.0.1:PORT` before a real cluster.
#
#   tools/spark/cluster.sh start    # prints MASTER=spark://127.0.0.1:PORT once every worker has registered
#   tools/spark/cluster.sh stop
#
# Environment: BGL_SPARK_PORT (7077), BGL_SPARK_WORKERS (2), BGL_SPARK_CORES (1 per worker), BGL_SPARK_MEMORY (1g per
# worker), BGL_SPARK_DIR (target/spark/cluster: pids, logs, the workers' work folders), BGL_SPARK_TIMEOUT (60 s to start).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
port="${BGL_SPARK_PORT:-7077}"
workers="${BGL_SPARK_WORKERS:-2}"
cores="${BGL_SPARK_CORES:-1}"
memory="${BGL_SPARK_MEMORY:-1g}"
dir="${BGL_SPARK_DIR:-$here/target/spark/cluster}"
timeout="${BGL_SPARK_TIMEOUT:-60}"

die() { echo "spark cluster: $*" >&2; exit 1; }

find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    echo "$JAVA_HOME/bin/java"; return
  fi
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]*; do [[ -x "$d/bin/java" ]] && { echo "$d/bin/java"; return; }; done
  die "JDK 25 not found (set JAVA_HOME)"
}

# SPARK_HOME as Spark's launcher expects it (jars/*), made of links to the Maven build's jars: a worker builds each
# executor's classpath from it
spark_home() {
  local cp="$here/bgl-spark/target/spark/classpath.txt" home="$dir/home"
  [[ -f "$cp" ]] || die "$cp is missing: build first (mvn -DskipTests package, or ./bgl --help)"
  rm -rf "$home"; mkdir -p "$home/jars" "$home/conf"
  tr ':' '\n' < "$cp" | while read -r j; do [[ -n "$j" ]] && ln -s "$j" "$home/jars/"; done
  # the master's and workers' own lines at INFO (start, registration, executors launched and lost: what start waits
  # for and what a failure needs), the rest of Spark at WARN
  { cat "$here/bgl-spark/src/main/resources/dev/bgl/spark/log4j2.properties"
    printf 'logger.deploy.name = org.apache.spark.deploy\nlogger.deploy.level = info\n'; } > "$home/conf/log4j2.properties"
  echo "$home"
}

stop_all() {
  local f pid
  for f in "$dir"/run/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

# waits for a line in a log; the process must stay alive meanwhile
wait_for() {
  local log="$1" pattern="$2" pid="$3" what="$4" t=0
  until grep -q "$pattern" "$log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "spark cluster: $what exited; its log ($log):" >&2; tail -20 "$log" >&2; stop_all; exit 1; }
    (( t >= timeout * 5 )) && { echo "spark cluster: $what not up after ${timeout}s; its log ($log):" >&2; tail -20 "$log" >&2; stop_all; exit 1; }
    sleep 0.2; t=$((t + 1))
  done
}

start() {
  [[ -n "$(ls "$dir"/run/*.pid 2>/dev/null)" ]] && die "already running (pid files in $dir/run); stop it first"
  local java home opts
  java="$(find_java)"
  home="$(spark_home)"
  mapfile -t opts < <(grep -v '^#' "$here/tools/spark/java-options" | grep -v '^$')
  mkdir -p "$dir/run" "$dir/logs"
  # a port in use is one clear line, before any JVM starts
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port on 127.0.0.1 is in use (set BGL_SPARK_PORT)"; fi
  export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_CONF_DIR="$home/conf"
  local jvm=("$java" "${opts[@]}" -Xmx512m -Dlog4j2.configurationFile="$home/conf/log4j2.properties" -cp "$home/jars/*")
  "${jvm[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0 \
    > "$dir/logs/master.log" 2>&1 &
  echo $! > "$dir/run/master.pid"
  # the workers after the master: started beside it they miss it and retry only 5-15 s later
  wait_for "$dir/logs/master.log" "I have been elected leader" "$(cat "$dir/run/master.pid")" master
  local i
  for i in $(seq 1 "$workers"); do
    mkdir -p "$dir/work-$i"
    "${jvm[@]}" -Dspark.worker.cleanup.enabled=false org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores "$cores" --memory "$memory" --work-dir "$dir/work-$i" "spark://127.0.0.1:$port" > "$dir/logs/worker-$i.log" 2>&1 &
    echo $! > "$dir/run/worker-$i.pid"
  done
  for i in $(seq 1 "$workers"); do
    wait_for "$dir/logs/worker-$i.log" "Successfully registered with master" "$(cat "$dir/run/worker-$i.pid")" "worker $i"
  done
  echo "MASTER=spark://127.0.0.1:$port"
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  *) echo "usage: tools/spark/cluster.sh start|stop" >&2; exit 2 ;;
esac
