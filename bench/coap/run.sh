#!/usr/bin/env bash
# CoAP ingest benchmark (targets in docs/benchmarks.md: LwM2M reports acknowledged after commit, CPU per report beside
# MQTT's, idle registration memory). An open-loop CoAP generator (bench/coap/Shoal.Bench.Coap) registers LwM2M devices,
# each on its own UDP socket, and sends CON POST /dp reports at stepped rates; after each CoAP step the MQTT generator
# (bench/ingest/Shoal.Bench.Ingest) runs the same rate against the same Shoal process's MQTT port, on other devices.
# Shoal (Release, 2.04 and PUBACK after commit) on core 0, the generators on core 1. Server CPU per report is read from
# /proc/<pid>/stat around each measured step. Needs: curl, python3.
# Environment: DURATION (s per step, default 10), RATES (default "1000 2000 5000 8000"), DEVICES (devices sending, per
# protocol, default 1000), IDLE_DEVICES (LwM2M devices registered and kept, each from its own port, for the memory step;
# 0 skips it; default 10000), IDLE_SETTLE (s after the last registration before the RSS is read a second time, once the
# per-message state of the registrations has expired: 0 skips it, Shoal keeps exchanges 247 s; default 0), MQTT (1 also measures the MQTT path at the same rates, 0 skips it; default 1),
# PROTOCOL (MQTT 3 = 3.1.1, 5; default 3), WARMUP (s of load at the first rate per protocol before the measured steps,
# not counted; default 5), STORAGE (sqlite, or postgres: a fresh database on the server named by PG_SERVER, default
# "Host=127.0.0.1;Username=postgres;Password=postgres", dropped at the end; the local PostgreSQL's processes are charged
# to Shoal's CPU; default sqlite), PORTAL_PORT, NA_PORT, MQTT_PORT, COAP_PORT (default 18280, 18943, 11983, 25683).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10}
rates=${RATES:-"1000 2000 5000 8000"}
devices=${DEVICES:-1000}
idle_devices=${IDLE_DEVICES:-10000}
idle_settle=${IDLE_SETTLE:-0}
mqtt=${MQTT:-1}
protocol=${PROTOCOL:-3}
warmup=${WARMUP:-5}
storage=${STORAGE:-sqlite}
pg_server=${PG_SERVER:-"Host=127.0.0.1;Username=postgres;Password=postgres"}
# Ports of their own, so that this can run beside bench/ingest/run.sh and bench/northbound/run.sh.
portal_port=${PORTAL_PORT:-18280} na_port=${NA_PORT:-18943} mqtt_port=${MQTT_PORT:-11983} coap_port=${COAP_PORT:-25683}
for p in "$portal_port" "$na_port" "$mqtt_port"; do
  ! ss -ltn | grep -q ":$p " || { echo "port $p is in use (set PORTAL_PORT, NA_PORT, MQTT_PORT)" >&2; exit 1; }
done
! ss -lun | grep -q ":$coap_port " || { echo "UDP port $coap_port is in use (set COAP_PORT)" >&2; exit 1; }
# Every simulated device holds a socket of its own in the generator.
need_files=$(( (idle_devices > devices ? idle_devices : devices) + 1024 ))
[ "$(ulimit -n)" -ge "$need_files" ] || ulimit -n "$need_files" 2>/dev/null \
  || { echo "ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); $need_files open files are needed" >&2; exit 1; }
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

publish() { # project output
  dotnet publish "$1" -c Release -o "$2" -v quiet ${PUBLISH_ARGS:-} >"$out/publish.log" 2>&1 || { cat "$out/publish.log" >&2; exit 1; }
}
publish src/Shoal.Server "$out/server"
publish bench/coap/Shoal.Bench.Coap "$out/coap"
[ "$mqtt" = 1 ] && publish bench/ingest/Shoal.Bench.Ingest "$out/mqtt"

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
load1() { cut -d' ' -f1 /proc/loadavg; }
# UDP datagrams the kernel dropped because a socket's receive buffer was full (all sockets of the machine).
udp_drops() { awk '/^Udp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i } else print $c }' /proc/net/snmp; }
coap_gen() { taskset -c 1 "$out/coap/Shoal.Bench.Coap" --port "$coap_port" "$@"; }
mqtt_gen() { taskset -c 1 "$out/mqtt/Shoal.Bench.Ingest" --protocol "$protocol" --port "$mqtt_port" "$@"; }

(cd "$out/server" && exec taskset -c 0 ./Shoal.Server \
  --Shoal:DataDirectory "$out/data" \
  --Kestrel:Endpoints:Portal:Url http://127.0.0.1:$portal_port \
  --Kestrel:Endpoints:Northbound:Url http://127.0.0.1:$na_port \
  --Gateway:Host 127.0.0.1 --Gateway:Port $mqtt_port --Gateway:TlsPort 0 --Gateway:HttpsPort 0 \
  --Gateway:MaxMessagesPerSecondPerDevice 1000000 --Gateway:MaxConnectionsPerAddress 1000000 \
  --Coap:Port $coap_port --Coap:DtlsPort 0 --Coap:RegistrationsPerMinute 1000000 \
  --Northbound:CallsPerWindow 10000000 --Northbound:SingleAccessToken false "${storage_args[@]}" \
  --Logging:LogLevel:Default Warning >"$out/server.log" 2>&1) &
shoal=$!
pids+=("$shoal")
wait_for http://127.0.0.1:$portal_port/openapi/v1.json
kill -0 "$shoal" 2>/dev/null || { echo "Shoal did not start:" >&2; cat "$out/server.log" >&2; exit 1; }
charged=$shoal
[ "$storage" != postgres ] || charged="$shoal,$(pgrep -d, -u postgres)"

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
access=$(curl -sf -X POST http://127.0.0.1:$na_port/iocm/app/sec/v1.1.0/login -d "appId=$app_id&secret=$app_secret" | json "['accessToken']")

# Three sets of devices: CoAP load, MQTT load, and the idle LwM2M registrations, so that no device is in two sessions.
register=$(( devices + (mqtt == 1 ? devices : 0) + idle_devices ))
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
sed -n "1,${devices}p" "$out/devices.csv" >"$out/coap.csv"
sed -n "$((devices + 1)),$((2 * devices))p" "$out/devices.csv" >"$out/mqtt.csv"
tail -n "$idle_devices" "$out/devices.csv" >"$out/idle.csv"

echo "Shoal on $storage: $devices devices per protocol, ${duration} s per step, MQTT $protocol; server on core 0, generators on core 1; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

if [ "$idle_devices" -gt 0 ]; then
  sleep 2
  before=$(rss_kb "$shoal")
  (exec taskset -c 1 "$out/coap/Shoal.Bench.Coap" --port "$coap_port" --credentials "$out/idle.csv" --devices "$idle_devices" \
    --lifetime 3600 --idle 3600 --cpu-pid "$charged" >"$out/idle.txt" 2>"$out/idle.err") &
  idle_gen=$!
  pids+=("$idle_gen")
  for _ in $(seq 3000); do grep -q REGISTERED "$out/idle.txt" && break; kill -0 "$idle_gen" 2>/dev/null || break; sleep 0.1; done
  grep -q REGISTERED "$out/idle.txt" || { echo "the idle devices did not register:" >&2; cat "$out/idle.err" >&2; exit 1; }
  # The generator has answered Shoal's observation attempts (4.04) before it says REGISTERED; let what follows settle.
  sleep 5
  after=$(rss_kb "$shoal")
  grep '^registered' "$out/idle.err" | sed 's/^/idle: /'
  echo "coap-5s $idle_devices $before $after" >"$out/1.idle"
  printf 'idle: %d LwM2M registrations, RSS %d -> %d KB 5 s after, %.2f KB per registration\n' "$idle_devices" "$before" "$after" \
    "$(python3 -c "print(($after - $before) / $idle_devices)")"
  if [ "$idle_settle" -gt 5 ]; then
    sleep $((idle_settle - 5))
    settled=$(rss_kb "$shoal")
    echo "coap-${idle_settle}s $idle_devices $before $settled" >"$out/2.idle"
    printf 'idle: RSS %d KB %d s after, %.2f KB per registration\n' "$settled" "$idle_settle" "$(python3 -c "print(($settled - $before) / $idle_devices)")"
  fi
  kill "$idle_gen" 2>/dev/null || true; wait "$idle_gen" 2>/dev/null || true
fi

# A server's first seconds of load include compiling its code: they are not counted.
if [ "$warmup" -gt 0 ]; then
  coap_gen --credentials "$out/coap.csv" --devices "$devices" --rate "${rates%% *}" --duration "$warmup" --warmup 0 >/dev/null 2>>"$out/gen.log" || true
  [ "$mqtt" = 1 ] && { mqtt_gen --credentials "$out/mqtt.csv" --devices "$devices" --rate "${rates%% *}" --duration "$warmup" --warmup 0 >/dev/null 2>>"$out/gen.log" || true; }
fi
step() { # name rate generator...
  local name=$1 rate=$2; shift 2
  sleep 2
  local drops; drops=$(udp_drops)
  "$@" --devices "$devices" --rate "$rate" --duration "$duration" --cpu-pid "$charged" >"$out/step.txt" 2>"$out/step.err" || true
  drops=$(( $(udp_drops) - drops ))
  cat "$out/step.err" >>"$out/gen.log"
  grep -E '^(registered|connected) ' "$out/step.err" | sed "s/^/$name: /" || true
  grep -v '^RESULT' "$out/step.txt" | sed "s/^/$name: /"
  [ "$name" != coap ] || echo "$name: $drops UDP datagrams dropped by full receive buffers during the step"
  grep '^RESULT' "$out/step.txt" | sed "s/^RESULT /$name /; s/\$/ load=$(load1) drops=$drops/" >>"$out/results.txt" || true
}
for rate in $rates; do
  step coap "$rate" coap_gen --credentials "$out/coap.csv"
  [ "$mqtt" = 1 ] && step mqtt "$rate" mqtt_gen --credentials "$out/mqtt.csv"
done
# What the CoAP reports became: the history of the first CoAP device, as the northbound API gives it.
first=$(head -n 1 "$out/coap.csv" | cut -d, -f1)
curl -sf "http://127.0.0.1:$na_port/iocm/app/data/v1.1.0/deviceDataHistory?deviceId=$first&gatewayId=$first&pageSize=1" \
  -H "app_key: $app_id" -H "Authorization: Bearer $access" \
  | python3 -c "import json,sys; h=json.load(sys.stdin); print(f'coap: {h.get(\"totalCount\")} history points stored for device $first, the newest:', json.dumps((h.get('deviceDataHistoryDTOs') or [None])[0]))" \
  || echo "coap: the history of device $first could not be read" >&2
if grep -qiE 'unhandled|exception' "$out/server.log"; then
  echo "Shoal logged errors:" >&2; grep -iE 'fail|unhandled|exception' "$out/server.log" | sort | uniq -c | sort -rn | head -10 >&2
fi
kill "$shoal"; wait "$shoal" 2>/dev/null || true

python3 - "$out" <<'PY'
import sys, pathlib
d = pathlib.Path(sys.argv[1])
rows = {}
for line in ((d / "results.txt").read_text().splitlines() if (d / "results.txt").exists() else []):
    name, *kv = line.split()
    r = dict(x.split("=", 1) for x in kv)
    rows[(name, r["target"])] = r
targets = sorted({t for _, t in rows}, key=int)
if targets:
    print()
    print(f"{'target':>7} | {'CoAP rep/s':>10} {'p50 ms':>7} {'p99 ms':>8} {'µs/rep':>7} {'err':>5} {'retx':>5} {'drop':>5} | "
          f"{'MQTT msg/s':>10} {'p50 ms':>7} {'p99 ms':>8} {'µs/msg':>7} {'err':>5} | {'µs CoAP/MQTT':>12} | {'load':>5}")
    for t in targets:
        c, m = rows.get(("coap", t)), rows.get(("mqtt", t))
        def cols(r, retx):
            if r is None: return "-"
            s = f"{r['rate']:>10} {r['p50']:>7} {r['p99']:>8} {r['cpu_us']:>7} {int(r['errors']) + int(r['unacked']):>5}"
            return s + (f" {r['retransmissions']:>5} {r['drops']:>5}" if retx else "")
        ratio = f"{float(c['cpu_us']) / float(m['cpu_us']):.2f}" if c and m and float(m['cpu_us']) > 0 else "-"
        loads = "/".join(r["load"] for r in (c, m) if r)
        print(f"{t:>7} | {cols(c, True)} | {cols(m, False)} | {ratio:>12} | {loads:>5}")
for f in sorted(d.glob("*.idle")):
    name, n, before, after = f.read_text().split()
    print(f"idle LwM2M registrations, {name[5:]} after: {(int(after) - int(before)) / int(n):.2f} KB per registration ({n} registrations, RSS {before} -> {after} KB)")
PY
