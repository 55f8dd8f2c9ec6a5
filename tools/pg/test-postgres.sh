# Sourced by ./test: a throwaway PostgreSQL on 127.0.0.1 for the tests that need one, so they run
# rather than skip. Exports BGL_TEST_POSTGRES_URL; bgl_pg_stop (set as the EXIT trap) stops it and
# removes its folder. Uses Debian's binaries; installs the package `postgresql` when they are missing
# and this runs as root. Without them, it says so and the PostgreSQL tests skip, saying why.
# A URL already in BGL_TEST_POSTGRES_URL is used as it is (a database you run yourself).

bgl_pg_dir=""
bgl_pg_bin=""
bgl_pg_user=""

bgl_pg_find() {
  bgl_pg_bin=""
  local d
  for d in /usr/lib/postgresql/*/bin; do # the highest version wins (listed last)
    [[ -x "$d/pg_ctl" && -x "$d/initdb" ]] && bgl_pg_bin="$d"
  done
  [[ -n "$bgl_pg_bin" ]]
}

# Runs a PostgreSQL binary as the cluster's owner: postgres refuses to run as root.
bgl_pg_as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$bgl_pg_user" -- "$@"; else "$@"; fi
}

bgl_pg_start() {
  if [[ -n "${BGL_TEST_POSTGRES_URL:-}" ]]; then
    echo "test: PostgreSQL tests use BGL_TEST_POSTGRES_URL as given" >&2
    return 0
  fi
  if ! bgl_pg_find; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      echo "test: installing PostgreSQL (apt) for the PostgreSQL tests ..." >&2
      # the tests make their own throwaway cluster: Debian's default one would only cost time and a port
      mkdir -p /etc/postgresql-common/createcluster.d
      [[ -e /etc/postgresql-common/createcluster.d/bgl-test.conf ]] \
        || echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/bgl-test.conf
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } >&2 \
        || echo "test: could not install PostgreSQL (apt)" >&2
    fi
    if ! bgl_pg_find; then
      echo "test: no PostgreSQL binaries (/usr/lib/postgresql/*/bin) and cannot install them (needs root and apt): the PostgreSQL tests will skip" >&2
      return 0
    fi
  fi
  if [[ "$(id -u)" == 0 ]]; then
    bgl_pg_user=postgres
    getent passwd postgres >/dev/null || useradd --system --no-create-home postgres 2>/dev/null || {
      echo "test: running as root and no user 'postgres' to run PostgreSQL as: the PostgreSQL tests will skip" >&2
      return 0
    }
  else
    bgl_pg_user="$(id -un)"
  fi
  bgl_pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/bgl-pg.XXXXXX")"
  chmod 755 "$bgl_pg_dir"
  [[ "$(id -u)" == 0 ]] && chown "$bgl_pg_user" "$bgl_pg_dir"
  local port
  for port in $(seq 55432 55532); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  # fsync off: a scratch cluster for tests, rebuilt every run; trust on loopback only
  if bgl_pg_as_owner "$bgl_pg_bin/initdb" -D "$bgl_pg_dir/data" -U bgl -A trust -E UTF8 --no-sync >"$bgl_pg_dir/initdb.log" 2>&1 \
    && bgl_pg_as_owner "$bgl_pg_bin/pg_ctl" -D "$bgl_pg_dir/data" -l "$bgl_pg_dir/server.log" -w -t 30 \
         -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$bgl_pg_dir -c fsync=off -c max_connections=200" start >/dev/null \
    && bgl_pg_as_owner "$bgl_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U bgl bgltest; then
    export BGL_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$port/bgltest?user=bgl"
    echo "test: PostgreSQL $("$bgl_pg_bin/pg_ctl" --version | awk '{print $3}') for the tests at 127.0.0.1:$port (folder $bgl_pg_dir)" >&2
  else
    echo "test: could not start PostgreSQL (logs in $bgl_pg_dir): the PostgreSQL tests will skip" >&2
  fi
}

bgl_pg_stop() {
  [[ -n "$bgl_pg_dir" ]] || return 0
  [[ -f "$bgl_pg_dir/data/postmaster.pid" ]] && bgl_pg_as_owner "$bgl_pg_bin/pg_ctl" -D "$bgl_pg_dir/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$bgl_pg_dir"
  bgl_pg_dir=""
}
