#!/usr/bin/env bash
# Device ingest benchmark (targets in docs/benchmarks.md: durable QoS 1 ingest, CPU per message, PUBACK latency, broker
# peer, idle connection memory, authenticated connects). An open-loop MQTT generator (bench/ingest/Shoal.Bench.Ingest) runs
# stepped rates against Shoal (Release, SQLite, PUBACK after commit) and then against Debian's
# Mosquitto (broker only, nothing stored), in one run. Servers on core 0, the generator on core 1.
# Server CPU per message is read from /proc/<pid>/stat around each measured step.
# Needs: curl, python3, mosquitto (installed with apt-get if missing).
# Environment: DURATION (s per step, default 10), RATES (default "1000 2000 5000 10000"),
# DEVICES (default 1000), IDLE_DEVICES (default 2000), PROTOCOL (3 = MQTT 3.1.1, 5; default 3),
# CONNECT_DEVICES (registered devices connected in the connect step, each once per round, 32 at a time, against Shoal and
# then Mosquitto whatever PEER says; 0 skips it; default 10000), CONNECT_ROUNDS (default 2: the first connects, which
# activate the devices, and a reconnect of all of them), LOAD (0 skips the idle and load steps; default 1),
# RULES (active rules in the application, evaluated on every report but never firing; default 0),
# PEER (1 also measures Mosquitto and the bolt-on peer, 0 skips them; default 1),
# TRACED (the first N load devices are traced by the operator for the whole run, at most 10; default 0),
# STORAGE (sqlite, or postgres: a fresh database on the server named by PG_SERVER, default
# "Host=127.0.0.1;Username=postgres;Password=postgres", dropped at the end; the local PostgreSQL's processes are
# charged to Shoal's CPU; default sqlite),
# WARMUP (s of load at the first rate before each server's measured steps, not counted; default 5),
# PROFILE (1 samples Shoal's CPU with perf during its last load step and prints the hottest functions and callers,
# .NET frames named through the runtime's perf map; default 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10}
rates=${RATES:-"1000 2000 5000 10000"}
devices=${DEVICES:-1000}
idle_devices=${IDLE_DEVICES:-2000}
protocol=${PROTOCOL:-3}
rules=${RULES:-0}
peer=${PEER:-1}
traced=${TRACED:-0}
storage=${STORAGE:-sqlite}
profile=${PROFILE:-0}
warmup=${WARMUP:-5}
connect_devices=${CONNECT_DEVICES:-10000}
connect_rounds=${CONNECT_ROUNDS:-2}
load=${LOAD:-1}
last_rate=${rates##* }
pg_server=${PG_SERVER:-"Host=127.0.0.1;Username=postgres;Password=postgres"}
# Ports of their own, so that this can run beside bench/northbound/run.sh (18080/18743).
portal_port=${PORTAL_PORT:-18180} na_port=${NA_PORT:-18843} mqtt_port=${MQTT_PORT:-11883} mosquitto_port=${MOSQUITTO_PORT:-18883}
for p in "$portal_port" "$na_port" "$mqtt_port" "$mosquitto_port"; do
  ! ss -ltn | grep -q ":$p " || { echo "port $p is in use (set PORTAL_PORT, NA_PORT, MQTT_PORT, MOSQUITTO_PORT)" >&2; exit 1; }
done
out=$(mktemp -d)
pids=()
pg_db=""
psql_server() { # sql: runs on the server's postgres database, connection fields taken from PG_SERVER
  python3 - "$pg_server" "$1" <<'PY'
import subprocess, sys
fields = {k.strip().lower(): v for k, v in (f.split("=", 1) for f in sys.argv[1].split(";") if f)}
env = {"PGPASSWORD": fields.get("password", ""), "PATH": "/usr/bin:/bin"}
subprocess.run(["psql", "-qX", "-v", "ON_ERROR_STOP=1", "-h", fields.get("host", "127.0.0.1"), "-p", fields.get("port", "5432"),
                "-U", fields.get("username", "postgres"), "-d", "postgres", "-c", sys.argv[2]], env=env, check=True)
PY
}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  [ -z "$pg_db" ] || psql_server "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" || true
  rm -rf "$out"
}
trap cleanup EXIT

command -v mosquitto >/dev/null || { apt-get install -y mosquitto >/dev/null || { apt-get update >/dev/null && apt-get install -y mosquitto >/dev/null; }; }
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
dotnet publish bench/ingest/Shoal.Bench.Ingest -c Release -o "$out/gen" -v quiet >/dev/null
[ "$peer" = 1 ] && dotnet publish bench/ingest/Shoal.Bench.BoltOn -c Release -o "$out/bolt-on" -v quiet >/dev/null

storage_args=()
case "$storage" in
  sqlite) ;;
  postgres)
    pg_db="shoal_bench_$(date +%s)_$$"
    psql_server "CREATE DATABASE $pg_db"
    storage_args=(--Storage:Provider Postgres --Storage:ConnectionString "$pg_server;Database=$pg_db") ;;
  *) echo "STORAGE must be sqlite or postgres" >&2; exit 1 ;;
esac

wait_for() { for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
gen() { taskset -c 1 "$out/gen/Shoal.Bench.Ingest" --protocol "$protocol" "$@"; }

(cd "$out/server" && DOTNET_PerfMapEnabled=$profile DOTNET_EnableWriteXorExecute=$((1 - profile)) exec taskset -c 0 ./Shoal.Server \
  --Shoal:DataDirectory "$out/data" \
  --Kestrel:Endpoints:Portal:Url http://127.0.0.1:$portal_port \
  --Kestrel:Endpoints:Northbound:Url http://127.0.0.1:$na_port \
  --Gateway:Port $mqtt_port --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 --Gateway:MaxMessagesPerSecondPerDevice 1000000 --Gateway:MaxConnectionsPerAddress 1000000 \
  --Northbound:CallsPerWindow 10000000 --Northbound:SingleAccessToken false "${storage_args[@]}" \
  --Logging:LogLevel:Default Warning >"$out/server.log" 2>&1) &
shoal=$!
pids+=("$shoal")
wait_for http://127.0.0.1:$portal_port/openapi/v1.json
kill -0 "$shoal" 2>/dev/null || { echo "Shoal did not start:" >&2; cat "$out/server.log" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api=http://127.0.0.1:$portal_port/api/v1
curl -sf -X POST $api/account -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark passphrase","acceptTerms":true}' >/dev/null
token=$(curl -sf -X POST $api/tokens -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark passphrase","name":"bench"}' | json "['token']")
created=$(curl -sf -X POST $api/applications -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"name":"bench","industry":"other","tracing":"Always","acceptTerms":true}')
app_id=$(echo "$created" | json "['applicationId']")
app_secret=$(echo "$created" | json "['secret']")
for i in $(seq "$rules"); do
  curl -sf -X POST "$api/applications/$app_id/rules" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"name\":\"rule $i\",\"conditions\":[{\"type\":\"DEVICE_DATA\",\"deviceInfo\":{\"path\":\"Temperature/value\"},\"operator\":\">\",\"value\":$((1000 + i))}],\"actions\":[{\"type\":\"EMAIL\",\"recipients\":[\"ops@example.com\"],\"subject\":\"{deviceId}\",\"content\":\"{value}\"}]}" >/dev/null
done
access=$(curl -sf -X POST http://127.0.0.1:$na_port/iocm/app/sec/v1.1.0/login -d "appId=$app_id&secret=$app_secret" | json "['accessToken']")

register=$(( devices > idle_devices ? devices : idle_devices ))
register=$(( connect_devices > register ? connect_devices : register ))
echo "registering $register devices through the northbound API" >&2
python3 - "$app_id" "$access" "$register" "$na_port" >"$out/devices.csv" <<'PY'
import http.client, json, secrets, sys
from concurrent.futures import ThreadPoolExecutor
app_id, access, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def register(chunk):
    conn, lines = http.client.HTTPConnection("127.0.0.1", int(sys.argv[4])), []
    for i in chunk:
        psk = secrets.token_hex(16)
        conn.request("POST", "/iocm/app/reg/v1.1.0/deviceCredentials",
                     json.dumps({"nodeId": f"bench-{i:06d}", "timeout": 0, "psk": psk}),
                     {"app_key": app_id, "Authorization": f"Bearer {access}", "content-type": "application/json"})
        response = conn.getresponse(); body = response.read()
        if response.status >= 300: raise SystemExit(f"register {i}: {response.status} {body[:200]!r}")
        lines.append(f"{json.loads(body)['deviceId']},{psk}")
    return lines
with ThreadPoolExecutor(8) as pool:
    for lines in pool.map(register, [range(k, count, 8) for k in range(8)]):
        print("\n".join(lines))
PY

if [ "$traced" -gt 0 ]; then
  trace_devices=$(head -n "$traced" "$out/devices.csv" | cut -d, -f1 | python3 -c "import json,sys; print(json.dumps(sys.stdin.read().split()))")
  curl -sf -X POST $api/operator/traces -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"applicationId\":\"$app_id\",\"deviceIds\":$trace_devices,\"durationMinutes\":1440}" >/dev/null
fi

idle_step() { # name pid port [generator args...]
  local name=$1 pid=$2 port=$3; shift 3
  sleep 2
  local before; before=$(rss_kb "$pid")
  (exec taskset -c 1 "$out/gen/Shoal.Bench.Ingest" --protocol "$protocol" --port "$port" --devices "$idle_devices" \
    --idle 120 "$@" >"$out/idle.txt" 2>"$out/idle.err") &
  local g=$!
  for _ in $(seq 600); do grep -q CONNECTED "$out/idle.txt" && break; sleep 0.1; done
  grep -q CONNECTED "$out/idle.txt" || { echo "$name: idle devices did not connect" >&2; exit 1; }
  sleep 5
  local after; after=$(rss_kb "$pid")
  kill "$g" 2>/dev/null || true; wait "$g" 2>/dev/null || true
  echo "$name $idle_devices $before $after" >"$out/$name.idle"
  printf '%-10s %s\n' "$name" "$(grep '^connected' "$out/idle.err")"
  printf '%-10s idle: %d connections, RSS %d -> %d KB, %.1f KB per connection\n' "$name" "$idle_devices" "$before" "$after" \
    "$(python3 -c "print(($after - $before) / $idle_devices)")"
}

connect_step() { # name pid port [generator args...]: every round connects CONNECT_DEVICES devices and disconnects them
  local name=$1 pid=$2 port=$3; shift 3
  [ "$connect_devices" -gt 0 ] || return 0
  local charged=$pid
  [ "$name" != shoal ] || [ "$storage" != postgres ] || charged="$pid,$(pgrep -d, -u postgres)"
  gen --port "$port" --devices "$connect_devices" --connect-rounds "$connect_rounds" --cpu-pid "$charged" "$@" \
    >"$out/connects.txt" 2>"$out/connects.err" || { echo "$name: the connect step failed:" >&2; cat "$out/connects.err" >&2; exit 1; }
  grep '^connected' "$out/connects.err" | sed "s/^/$name: /"
  grep '^CONNECTS' "$out/connects.txt" | sed "s/^CONNECTS /$name /" >>"$out/connects-results.txt"
}

load_steps() { # name pid port [generator args...]
  local name=$1 pid=$2 port=$3; shift 3
  # A server's first seconds of load include compiling its code: they are not counted.
  if [ "$warmup" -gt 0 ]; then
    gen --port "$port" --devices "$devices" --rate "${rates%% *}" --duration "$warmup" "$@" >/dev/null 2>>"$out/gen.log" || true
  fi
  for rate in $rates; do
    sleep 2
    if [ "$profile" = 1 ] && [ "$name" = shoal ] && [ "$rate" = "$last_rate" ]; then
      (sleep 2; exec perf record -F 499 -g -p "$pid" -o "$out/perf.data" -- sleep $((duration - 3)) 2>"$out/perf.log") &
    fi
    # On PostgreSQL, the database server's processes are charged to Shoal too (they are not pinned to core 0).
    local charged=$pid
    [ "$name" != shoal ] || [ "$storage" != postgres ] || charged="$pid,$(pgrep -d, -u postgres)"
    gen --port "$port" --devices "$devices" --rate "$rate" --duration "$duration" --cpu-pid "$charged" "$@" \
      >"$out/step.txt" 2>>"$out/gen.log" || true
    grep -v '^RESULT' "$out/step.txt" | sed "s/^/$name: /"
    grep '^RESULT' "$out/step.txt" | sed "s/^RESULT /$name /" >>"$out/results.txt"
  done
}

echo "Shoal on $storage: $devices devices, $rules active rules, $traced traced, ${duration} s per step, MQTT $protocol; server on core 0, generator on core 1"
connect_step shoal "$shoal" "$mqtt_port" --credentials "$out/devices.csv"
if [ "$load" = 1 ]; then
  idle_step shoal "$shoal" "$mqtt_port" --credentials "$out/devices.csv"
  load_steps shoal "$shoal" "$mqtt_port" --credentials "$out/devices.csv"
fi
kill "$shoal"; wait "$shoal" 2>/dev/null || true
if [ "$profile" = 1 ]; then
  wait
  report() { perf report -i "$out/perf.data" --stdio -g none "$@" 2>/dev/null | grep -E '^ +[0-9]'; }
  echo "Shoal's CPU at $last_rate msg/s by library (share of samples):"
  report --no-children --sort dso | sed -n 1,12p
  echo "Hottest functions (self):"
  report --no-children --sort symbol | sed -n 1,40p
  echo "Hottest functions (with what they call):"
  report --children --sort symbol | sed -n 1,80p
  cp "$out/perf.data" "${TMPDIR:-/tmp}/shoal-ingest.perf.data"
  echo "The samples are kept in ${TMPDIR:-/tmp}/shoal-ingest.perf.data (perf report -i)."
fi

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_connections -1\nmax_queued_messages 1000000\n'  "$mosquitto_port" >"$out/mosquitto.conf"
if [ "$connect_devices" -gt 0 ]; then
  (exec taskset -c 0 "$mosquitto_bin" -c "$out/mosquitto.conf") &
  mosq=$!
  pids+=("$mosq")
  sleep 1
  echo "Mosquitto: the same connects, anonymous"
  connect_step mosquitto "$mosq" "$mosquitto_port"
  kill "$mosq"; wait "$mosq" 2>/dev/null || true
fi

if [ "$peer" = 1 ] && [ "$load" = 1 ]; then
(exec taskset -c 0 "$mosquitto_bin" -c "$out/mosquitto.conf") &
mosq=$!
pids+=("$mosq")
sleep 1
echo "Mosquitto $("$mosquitto_bin" -h 2>/dev/null | awk 'NR==1 {print $3}'): broker only, no persistence"
idle_step mosquitto "$mosq" "$mosquitto_port"
load_steps mosquitto "$mosq" "$mosquitto_port"
kill "$mosq"; wait "$mosq" 2>/dev/null || true

# The bolt-on peer: Mosquitto again, with a subscriber that batches every report into SQLite (WAL, synchronous=FULL).
# Both run on core 0 and both are charged; Mosquitto acknowledges before the subscriber has stored anything.
(exec taskset -c 0 "$mosquitto_bin" -c "$out/mosquitto.conf") &
mosq=$!
pids+=("$mosq")
sleep 1
(exec taskset -c 0 "$out/bolt-on/Shoal.Bench.BoltOn" --port "$mosquitto_port" --database "$out/bolt-on.db" >"$out/bolt-on.log" 2>&1) &
subscriber=$!
pids+=("$subscriber")
for _ in $(seq 100); do grep -q SUBSCRIBED "$out/bolt-on.log" && break; sleep 0.1; done
grep -q SUBSCRIBED "$out/bolt-on.log" || { echo "the bolt-on subscriber did not start:" >&2; cat "$out/bolt-on.log" >&2; exit 1; }
echo "bolt-on: Mosquitto + an MQTTnet subscriber batching reports into SQLite"
load_steps bolt-on "$mosq,$subscriber" "$mosquitto_port"
echo "bolt-on: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from History').fetchone()[0])" "$out/bolt-on.db") history rows stored"
fi

python3 - "$out" <<'PY'
import sys, pathlib
d = pathlib.Path(sys.argv[1])
connects = {}
if (d / "connects-results.txt").exists():
    for line in (d / "connects-results.txt").read_text().splitlines():
        name, *kv = line.split()
        r = dict(x.split("=", 1) for x in kv)
        connects[(name, r["round"])] = r
    print()
    print(f"{'connects':>8} | {'Shoal /s':>8} {'µs each':>8} | {'Mosq /s':>8} {'µs each':>8} | {'rate ratio':>10} {'CPU ratio':>9}")
    for rnd in sorted({k for _, k in connects}, key=int):
        s, m = connects.get(("shoal", rnd)), connects.get(("mosquitto", rnd))
        label = "first" if rnd == "1" else f"again {int(rnd) - 1}"
        def cols(r): return f"{r['rate']:>8} {r['cpu_us']:>8}" if r else f"{'-':>8} {'-':>8}"
        rate = f"{float(s['rate']) / float(m['rate']):.2f}" if s and m else "-"
        cpu = f"{float(s['cpu_us']) / float(m['cpu_us']):.1f}x" if s and m and float(m['cpu_us']) > 0 else "-"
        print(f"{label:>8} | {cols(s)} | {cols(m)} | {rate:>10} {cpu:>9}   ({s['devices'] if s else m['devices']} devices)")
rows = {}
for line in ((d / "results.txt").read_text().splitlines() if (d / "results.txt").exists() else []):
    name, *kv = line.split()
    r = dict(x.split("=", 1) for x in kv)
    rows[(name, r["target"])] = r
targets = sorted({t for _, t in rows}, key=int)
if not targets: sys.exit()
print()
print(f"{'target':>7} | {'Shoal msg/s':>11} {'p50 ms':>7} {'p99 ms':>8} {'µs/msg':>7} {'err':>5} | {'Mosq msg/s':>10} {'p50 ms':>7} {'p99 ms':>8} {'µs/msg':>7} | {'CPU ratio':>9} | {'bolt-on µs/msg':>14} {'ratio':>6}")
for t in targets:
    s, m, b = rows.get(("shoal", t)), rows.get(("mosquitto", t)), rows.get(("bolt-on", t))
    def cols(r, err=False):
        if r is None: return "-"
        c = f"{r['rate']:>11} {r['p50']:>7} {r['p99']:>8} {r['cpu_us']:>7}"
        return c + (f" {int(r['errors']) + int(r['unacked']):>5}" if err else "")
    ratio = f"{float(s['cpu_us']) / float(m['cpu_us']):.1f}x" if s and m and float(m['cpu_us']) > 0 else "-"
    bolt = f"{b['cpu_us']:>14} {float(s['cpu_us']) / float(b['cpu_us']):>5.1f}x" if s and b and float(b['cpu_us']) > 0 else "-"
    print(f"{t:>7} | {cols(s, True)} | {cols(m)} | {ratio:>9} | {bolt}")
for f in sorted(d.glob("*.idle")):
    name, n, before, after = f.read_text().split()
    print(f"idle {name}: {(int(after) - int(before)) / int(n):.1f} KB per connection ({n} connections)")
PY
