#!/usr/bin/env bash
# History query benchmark (target in docs/benchmarks.md: 10 M history rows, the last 1,000 points of one device, p99 ≤ 20 ms).
# For each database: Shoal (Release) migrates an empty database and creates an account, an application, an NA login
# and DEVICES devices through the real APIs; Shoal is stopped and the history table is filled with DEVICES × POINTS rows
# by bulk SQL (time-major, as devices report: every device's point of one minute, then the next minute), its indexes
# built after the rows. Shoal is started again once with EF Core's command log on, to capture the SQL of one history
# request and print its plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL), and once more without it
# for the load: bench/history/Shoal.Bench.History logs in as the NA and fetches the newest 1,000 points of one device
# (four GETs of /iocm/app/data/v1.2.0/deviceDataHistory, pageSize 250, the largest the call takes), with a fixed
# number of concurrent fetches. Shoal on core 0, the load on core 1. Needs: curl, python3, sqlite3, psql.
# Environment: STORAGES (default "sqlite postgres"), DEVICES (1000), POINTS (per device, 10000), CONCURRENCY (a list of
# concurrent fetches, each measured in turn; default "1 8"), DURATION (s per measure, 10), WARMUP (s, 3),
# KEEP (1 keeps the filled databases in CACHE_DIR, default ${TMPDIR:-/tmp}/shoal-bench-history, and the PostgreSQL
# database shoal_bench_history_<DEVICES>x<POINTS>, and reuses them on the next run with KEEP=1; default 0: filled
# anew and removed at the end), PG_SERVER (default "Host=127.0.0.1;Username=postgres;Password=postgres"),
# PORTAL_PORT, NA_PORT (default 19080, 19743, so that it can run beside the other benchmarks).
set -euo pipefail
cd "$(dirname "$0")/../.."
storages=${STORAGES:-"sqlite postgres"}
devices=${DEVICES:-1000}
points=${POINTS:-10000}
concurrency=${CONCURRENCY:-"1 8"}
duration=${DURATION:-10}
warmup=${WARMUP:-3}
keep=${KEEP:-0}
cache_dir=${CACHE_DIR:-${TMPDIR:-/tmp}/shoal-bench-history}
pg_server=${PG_SERVER:-"Host=127.0.0.1;Username=postgres;Password=postgres"}
portal_port=${PORTAL_PORT:-19080} na_port=${NA_PORT:-19743}
for p in "$portal_port" "$na_port"; do
  ! ss -ltn | grep -q ":$p " || { echo "port $p is in use (set PORTAL_PORT, NA_PORT)" >&2; exit 1; }
done
out=$(mktemp -d)
shoal=""
drop_dbs=()
# psql's connection comes from PG_SERVER.
eval "$(python3 -c '
import shlex, sys
fields = {k.strip().lower(): v for k, v in (f.split("=", 1) for f in sys.argv[1].split(";") if f)}
for var, key, default in (("PGHOST", "host", "127.0.0.1"), ("PGPORT", "port", "5432"), ("PGUSER", "username", "postgres"), ("PGPASSWORD", "password", "")):
    print(f"export {var}={shlex.quote(fields.get(key, default))}")
' "$pg_server")"
pg() { local database=$1; shift; psql -qX -v ON_ERROR_STOP=1 -d "$database" "$@"; }
cleanup() {
  [ -z "$shoal" ] || { kill "$shoal" 2>/dev/null || true; wait "$shoal" 2>/dev/null || true; }
  for db in "${drop_dbs[@]}"; do pg postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; done
  rm -rf "$out"
}
trap cleanup EXIT

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
dotnet publish bench/history/Shoal.Bench.History -c Release -o "$out/load" -v quiet >/dev/null

start_shoal() { # data-dir [server args...]
  local data=$1; shift
  (cd "$out/server" && exec taskset -c 0 ./Shoal.Server \
    --Shoal:DataDirectory "$data" \
    --Kestrel:Endpoints:Portal:Url "http://127.0.0.1:$portal_port" \
    --Kestrel:Endpoints:Northbound:Url "http://127.0.0.1:$na_port" \
    --Gateway:Port 0 --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 \
    --Northbound:CallsPerWindow 10000000 --Northbound:SingleAccessToken false \
    --Logging:LogLevel:Default Warning "${storage_args[@]}" "$@" >"$out/server.log" 2>&1) &
  shoal=$!
  # A first start on a filled database may build an index over every row before it listens.
  for _ in $(seq 3000); do
    curl -s -o /dev/null "http://127.0.0.1:$portal_port/openapi/v1.json" && return 0
    kill -0 "$shoal" 2>/dev/null || break
    sleep 0.2
  done
  echo "Shoal did not start:" >&2; cat "$out/server.log" >&2; exit 1
}
stop_shoal() { kill "$shoal"; wait "$shoal" 2>/dev/null || true; shoal=""; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

create_tenant() { # state-file: an account, an application, its NA login and the devices, through the real APIs
  local api=http://127.0.0.1:$portal_port/api/v1 token created app_id app_secret access
  curl -sf -X POST $api/account -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchmark passphrase","acceptTerms":true}' >/dev/null
  token=$(curl -sf -X POST $api/tokens -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchmark passphrase","name":"bench"}' | json "['token']")
  created=$(curl -sf -X POST $api/applications -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name":"bench","industry":"other","acceptTerms":true}')
  app_id=$(echo "$created" | json "['applicationId']")
  app_secret=$(echo "$created" | json "['secret']")
  access=$(curl -sf -X POST "http://127.0.0.1:$na_port/iocm/app/sec/v1.1.0/login" -d "appId=$app_id&secret=$app_secret" | json "['accessToken']")
  echo "registering $devices devices through the northbound API" >&2
  python3 - "$app_id" "$access" "$devices" "$na_port" >"$out/devices.txt" <<'PY'
import http.client, json, sys
from concurrent.futures import ThreadPoolExecutor
app_id, access, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def register(chunk):
    conn, ids = http.client.HTTPConnection("127.0.0.1", int(sys.argv[4])), []
    for i in chunk:
        conn.request("POST", "/iocm/app/reg/v1.1.0/deviceCredentials", json.dumps({"nodeId": f"bench-{i:06d}", "timeout": 0}),
                     {"app_key": app_id, "Authorization": f"Bearer {access}", "content-type": "application/json"})
        response = conn.getresponse(); body = response.read()
        if response.status >= 300: raise SystemExit(f"register {i}: {response.status} {body[:200]!r}")
        ids.append(json.loads(body)["deviceId"])
    return ids
with ThreadPoolExecutor(8) as pool:
    for ids in pool.map(register, [range(k, count, 8) for k in range(8)]):
        print("\n".join(ids))
PY
  # The measured device: one from the middle of the registrations (every device has the same number of points).
  printf 'app_id=%s\napp_secret=%s\ndevice=%s\n' "$app_id" "$app_secret" "$(sort "$out/devices.txt" | sed -n "$(( (devices + 1) / 2 ))p")" >"$1"
}

# Rows are written time-major: minute 0 of every device, then minute 1, …, the newest minute ending now. Each device's
# points are one minute apart (with a per-device offset of a few ms), so POINTS points span POINTS minutes; the
# application keeps history for 100 years so that a kept database is not emptied by retention on a later run.
fill_sqlite() { # database-file
  local db=$1 base
  base=$(python3 -c "import time; print(int(time.time() * 10**7) + 621355968000000000 - $points * 600000000)")
  local drops creates
  drops=$(sqlite3 "$db" "SELECT 'DROP INDEX \"' || name || '\";' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'DeviceDataPoints' AND sql IS NOT NULL")
  creates=$(sqlite3 "$db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'DeviceDataPoints' AND sql IS NOT NULL")
  sqlite3 "$db" <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
PRAGMA temp_store = MEMORY;
$drops
CREATE TEMP TABLE d AS SELECT row_number() OVER (ORDER BY Id) - 1 AS n, Id, ApplicationId FROM Devices;
BEGIN;
INSERT INTO DeviceDataPoints (ApplicationId, DeviceId, ServiceId, Data, PropertyNames, EventTime, ReceivedAt)
WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < $points - 1)
SELECT d.ApplicationId, d.Id, 'Sensor',
       '{"temperature":' || ((150 + (t.i * 7 + d.n) % 200) / 10.0) || ',"humidity":' || (30 + (t.i + d.n) % 50) || '}',
       ',temperature,humidity,', $base + t.i * 600000000 + d.n * 10000, $base + t.i * 600000000 + d.n * 10000 + 2000000
FROM t CROSS JOIN d;
COMMIT;
$creates
UPDATE Applications SET StorageDays = 36500;
SQL
}

fill_postgres() { # database
  local db=$1
  pg "$db" <<SQL
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
CREATE TEMP TABLE creates AS SELECT indexdef FROM pg_indexes WHERE tablename = 'DeviceDataPoints' AND indexname NOT LIKE 'PK_%';
DO \$\$ DECLARE i record; BEGIN
  FOR i IN SELECT indexname FROM pg_indexes WHERE tablename = 'DeviceDataPoints' AND indexname NOT LIKE 'PK_%' LOOP
    EXECUTE format('DROP INDEX %I', i.indexname);
  END LOOP;
END \$\$;
CREATE TEMP TABLE d AS SELECT row_number() OVER (ORDER BY "Id") - 1 AS n, "Id", "ApplicationId" FROM "Devices";
INSERT INTO "DeviceDataPoints" ("ApplicationId", "DeviceId", "ServiceId", "Data", "PropertyNames", "EventTime", "ReceivedAt")
SELECT d."ApplicationId", d."Id", 'Sensor',
       '{"temperature":' || round((150 + (g / $devices * 7 + d.n) % 200) / 10.0, 1) || ',"humidity":' || (30 + (g / $devices + d.n) % 50) || '}',
       ',temperature,humidity,',
       date_trunc('second', now()) - interval '1 minute' * ($points - g / $devices) + interval '1 millisecond' * d.n,
       date_trunc('second', now()) - interval '1 minute' * ($points - g / $devices) + interval '1 millisecond' * d.n + interval '200 milliseconds'
FROM generate_series(0::bigint, $devices::bigint * $points - 1) AS g JOIN d ON d.n = g % $devices;
DO \$\$ DECLARE i record; BEGIN
  FOR i IN SELECT indexdef FROM creates LOOP EXECUTE i.indexdef; END LOOP;
END \$\$;
UPDATE "Applications" SET "StorageDays" = 36500;
SQL
  # What autovacuum would have done after such a load: statistics, and the visibility map index-only scans use.
  pg "$db" -c 'VACUUM ANALYZE "DeviceDataPoints"'
}

explain() { # storage database state-file: the SQL of one history request (pages 0 and 3), from EF Core's command log, and its plan
  local storage=$1 db=$2
  python3 - "$out/commands.log" "$app_id" "$device" >"$out/sql.txt" <<'PY'
import re, sys
log, app_id, device = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
blocks = re.split(r"\n(?=\S)", log)
seen = []
for block in blocks:
    if "Executed DbCommand" not in block or "DeviceDataPoints" not in block:
        continue
    lines = block.split("\n")
    start = next(i for i, l in enumerate(lines) if "Executed DbCommand" in l) + 1
    sql = "\n".join(l[6:] if l.startswith("      ") else l for l in lines[start:]).strip()
    if not sql.startswith("SELECT"): continue
    # The page's LIMIT and OFFSET are parameters (one when they are equal): both are written out below.
    sql = re.sub(r"LIMIT @\w+(?: OFFSET @\w+)?$", "LIMIT 250 OFFSET __OFFSET__", sql)
    values = {}
    for name in set(re.findall(r"@\w+", sql)):
        if "pplication" in name: values[name] = f"'{app_id}'"
        elif "evice" in name: values[name] = f"'{device}'"
        else: raise SystemExit(f"unknown parameter {name} in:\n{sql}")
    for name in sorted(values, key=len, reverse=True):
        sql = re.sub(re.escape(name) + r"\b", values[name], sql)
    if sql not in seen: seen.append(sql)
for sql in seen:
    print(sql.replace("\n", " ") + ";")
PY
  [ -s "$out/sql.txt" ] || { echo "no history SQL in the server log" >&2; exit 1; }
  while IFS= read -r sql; do
    for offset in 0 750; do
      case "$sql" in *__OFFSET__*) ;; *) [ "$offset" = 0 ] || continue ;; esac
      local q=${sql//__OFFSET__/$offset}
      echo "SQL: $q"
      if [ "$storage" = sqlite ]; then
        sqlite3 "$db" "EXPLAIN QUERY PLAN $q" | sed 's/^/  plan: /'
      else
        pg "$db" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $q" | sed 's/^/  plan: /'
      fi
    done
  done <"$out/sql.txt"
}

load() { # label concurrency
  taskset -c 1 "$out/load/Shoal.Bench.History" --url "http://127.0.0.1:$na_port" --app-id "$app_id" --secret "$app_secret" \
    --device "$device" --concurrency "$2" --duration "$duration" --warmup "$warmup" --points 1000 --page-size 250 --label "$1"
}

echo "history: $devices devices × $points points = $((devices * points)) rows; Shoal on core 0, the load on core 1; ${duration} s per measure"
for storage in $storages; do
  if [ "$keep" = 1 ]; then
    home="$cache_dir/$storage-${devices}x$points"
    pg_db="shoal_bench_history_${devices}x$points"
  else
    home="$out/$storage"
    pg_db="shoal_bench_history_$(date +%s)_$$"
  fi
  mkdir -p "$home"
  case "$storage" in
    sqlite) storage_args=() ;;
    postgres)
      storage_args=(--Storage:Provider Postgres --Storage:ConnectionString "$pg_server;Database=$pg_db")
      [ "$keep" = 1 ] || drop_dbs+=("$pg_db") ;;
    *) echo "STORAGES: sqlite or postgres" >&2; exit 1 ;;
  esac
  if [ ! -f "$home/filled" ]; then
    rm -rf "$home/data" "$home/state"
    if [ "$storage" = postgres ]; then
      pg postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db"
    fi
    start_shoal "$home/data"
    create_tenant "$home/state"
    stop_shoal
    echo "$storage: filling $((devices * points)) history rows" >&2
    started=$(date +%s)
    if [ "$storage" = sqlite ]; then fill_sqlite "$home/data/shoal.db"; else fill_postgres "$pg_db"; fi
    echo "$storage: filled in $(( $(date +%s) - started )) s" >&2
    touch "$home/filled"
  else
    echo "$storage: reusing the filled database in $home" >&2
  fi
  # shellcheck disable=SC1091
  . "$home/state"

  start_shoal "$home/data" --Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command Information
  taskset -c 1 "$out/load/Shoal.Bench.History" --url "http://127.0.0.1:$na_port" --app-id "$app_id" --secret "$app_secret" \
    --device "$device" --concurrency 1 --duration 0 --warmup 0 --points 1000 --page-size 250 --label "$storage" >/dev/null
  stop_shoal
  mv "$out/server.log" "$out/commands.log"
  if [ "$storage" = sqlite ]; then explain sqlite "$home/data/shoal.db"; else explain postgres "$pg_db"; fi

  start_shoal "$home/data"
  for c in $concurrency; do
    load "$storage" "$c" | tee -a "$out/results.txt" | grep -v '^RESULT'
  done
  stop_shoal
done

python3 - "$out/results.txt" <<'PY'
import sys
rows = [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in open(sys.argv[1]) if line.startswith("RESULT")]
print()
print(f"{'database':<9} {'concurrent':>10} | {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} | {'1,000 points/s':>14} {'p50 ms':>7} {'p99 ms':>7} | {'p99 / 20 ms':>11}")
for r in rows:
    print(f"{r['label']:<9} {r['concurrency']:>10} | {float(r['req_rate']):>7.0f} {r['req_p50']:>7} {r['req_p99']:>7} | "
          f"{float(r['fetch_rate']):>14.1f} {r['fetch_p50']:>7} {r['fetch_p99']:>7} | {float(r['fetch_p99']) / 20:>10.1f}×")
PY
