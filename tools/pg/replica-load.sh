#!/usr/bin/env bash
# Load run for docs/scale-out.md: two `bgl serve` replicas on one PostgreSQL, CLIENTS clients for
# SECONDS seconds. Each client asks one replica and rates the answer through the other (as a load
# balancer may send it), and logs the rating's HTTP status. At the end: 2xx ratings vs rows in the
# database, and whether both replicas' suggestions agree after the refresh delay.
#
#   tools/pg/replica-load.sh [SECONDS=60] [CLIENTS=8]
#
# Uses BGL_TEST_POSTGRES_URL when set, else starts a throwaway PostgreSQL as ./test does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds="${1:-60}"
clients="${2:-8}"
source tools/pg/test-postgres.sh
work="$(mktemp -d "${TMPDIR:-/tmp}/bgl-replicas.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bgl_pg_stop
}
trap cleanup EXIT
bgl_pg_start
[[ -n "${BGL_TEST_POSTGRES_URL:-}" ]] || { echo "replica-load: no PostgreSQL" >&2; exit 1; }
schema="bgl_load_$(date +%s)"
psql_url="postgresql://${BGL_TEST_POSTGRES_URL#jdbc:postgresql://}"
psql -q "$psql_url" -c "CREATE SCHEMA $schema"
db="$BGL_TEST_POSTGRES_URL&currentSchema=$schema"
export BGL_SESSION_SECRET="replica-load-shared-secret-0123456789" # one caller is one user on both replicas
ports=(18601 18602)
for i in 0 1; do
  ./bgl serve --db "$db" --port "${ports[$i]}" --policy-floor 0 --threads 1 --max-queue 64 \
    --requests-per-minute 100000 --ratings-per-minute 100000 > "$work/serve$i.log" 2>&1 &
  pids+=($!)
done
for p in "${ports[@]}"; do
  for _ in $(seq 120); do curl -sf "localhost:$p/health" >/dev/null && break; sleep 1; done
done
echo "replica-load: 2 replicas on ${ports[*]}, $clients clients for $seconds s (logs in $work)" >&2
client() {
  local c=$1 jar="$work/jar$1" end=$((SECONDS + seconds)) n=0
  while ((SECONDS < end)); do
    local ask=${ports[$(( (c + n) % 2 ))]} rate=${ports[$(( (c + n + 1) % 2 ))]}
    local id
    id=$(curl -s -c "$jar" -b "$jar" "localhost:$ask/v1/chat/completions" \
      -d "{\"messages\":[{\"role\":\"user\",\"content\":\"Add: $c+$n\"}],\"max_tokens\":40}" | sed -nE 's/.*"id":"(chatcmpl-[0-9a-f]+)".*/\1/p')
    if [[ -n "$id" ]]; then
      local code
      code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" "localhost:$rate/v1/feedback" \
        -d "{\"request_id\":\"$id\",\"rating\":$((1 + (c + n) % 5))}")
      echo "$code $id" >> "$work/ratings$c"
    fi
    n=$((n + 1))
  done
}
cpids=()
for c in $(seq 0 $((clients - 1))); do client "$c" & cpids+=($!); done
for p in "${cpids[@]}"; do wait "$p"; done
cat "$work"/ratings* > "$work/all"
ok=$(awk '$1 ~ /^2/' "$work/all" | wc -l)
other=$(awk '$1 !~ /^2/' "$work/all" | wc -l)
awk '$1 ~ /^2/ {print $2}' "$work/all" | sort -u > "$work/acked"
psql -qAt "$psql_url" -c "SELECT request_id FROM $schema.ratings" | sort -u > "$work/stored"
rows=$(psql -qAt "$psql_url" -c "SELECT COUNT(*) FROM $schema.ratings")
lost=$(comm -23 "$work/acked" "$work/stored" | wc -l)
echo "ratings: $ok answered 2xx, $other otherwise; rows in the database: $rows; 2xx ratings missing from it: $lost"
sleep 1.5 # past the refresh delay: both replicas have read every rating
agree=0 asked=0 same=0
for c in $(seq 0 $((clients - 1))); do
  for k in "Add: 1+2" "Multiply: 3*4"; do
    q=$(printf %s "$k" | sed 's/ /%20/g; s/+/%2B/g; s/\*/%2A/g')
    a=$(curl -s -b "$work/jar$c" "localhost:${ports[0]}/v1/budget/suggestion?question=$q")
    b=$(curl -s -b "$work/jar$c" "localhost:${ports[1]}/v1/budget/suggestion?question=$q")
    asked=$((asked + 1))
    [[ "$a" == "$b" ]] && agree=$((agree + 1))
    # the same level drawn: its reason quotes the ratings' mean and count, which must then be the same
    if [[ "$(sed -nE 's/.*"budget_tokens":([0-9]+).*/\1/p' <<< "$a")" == "$(sed -nE 's/.*"budget_tokens":([0-9]+).*/\1/p' <<< "$b")" ]]; then
      same=$((same + 1))
      [[ "$a" == "$b" ]] || echo "replica-load: same budget, different reasons: $a | $b" >&2
    fi
  done
done
# Thompson draws: each replica samples with its own random state, so equal suggestions are likely, not certain,
# even from the same posterior (the tests compare the posteriors themselves)
echo "suggestions identical on both replicas: $agree of $asked; where both drew the same budget: $agree of $same"
psql -q "$psql_url" -c "DROP SCHEMA $schema CASCADE"
