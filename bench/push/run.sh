#!/usr/bin/env bash
# Push benchmark (targets in docs/benchmarks.md: publish -> signed push received by a local NA, p99 <= 250 ms, >= 2,000
# pushes/s). The generator bench/push/Shoal.Bench.Push publishes QoS 1 property reports over MQTT
# (open loop, the intended send time in the reported property) and receives Shoal's signed
# deviceDataChanged pushes on a Kestrel receiver in the same process; then it POSTs the same bodies
# straight to its receiver with HttpClient (the ceiling). Shoal on core 0, the generator on core 1.
# Pushes not received within the grace (60 s after the last send for Shoal) are counted as late.
# Environment: DURATION (s per step, default 10), RATES (default "250 500 1000 2000"), DEVICES (default 100),
# CEILING_RATES (default: RATES and 5000 10000),
# PROFILE (1 starts Shoal with its perf map written, so that `perf record -g -p <pid>` names .NET frames; default 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10}
rates=${RATES:-"250 500 1000 2000"}
ceiling_rates=${CEILING_RATES:-"$rates 5000 10000"}
devices=${DEVICES:-100}
portal_port=${PORTAL_PORT:-18280} na_port=${NA_PORT:-18943} mqtt_port=${MQTT_PORT:-12883} receiver_port=${RECEIVER_PORT:-18990}
for p in "$portal_port" "$na_port" "$mqtt_port" "$receiver_port"; do
  ! ss -ltn | grep -q ":$p " || { echo "port $p is in use (set PORTAL_PORT, NA_PORT, MQTT_PORT, RECEIVER_PORT)" >&2; exit 1; }
done
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
dotnet publish bench/push/Shoal.Bench.Push -c Release -o "$out/gen" -v quiet >/dev/null

wait_for() { for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

(cd "$out/server" && DOTNET_PerfMapEnabled=${PROFILE:-0} DOTNET_EnableWriteXorExecute=$((1 - ${PROFILE:-0})) exec taskset -c 0 ./Shoal.Server \
  --Shoal:DataDirectory "$out/data" \
  --Kestrel:Endpoints:Portal:Url http://127.0.0.1:$portal_port \
  --Kestrel:Endpoints:Northbound:Url http://127.0.0.1:$na_port \
  --Gateway:Port $mqtt_port --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 --Gateway:MaxMessagesPerSecondPerDevice 1000000 \
  --Northbound:CallsPerWindow 10000000 --Northbound:SingleAccessToken false \
  --Delivery:AllowedNetworks:0 127.0.0.0/8 \
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
  -d '{"name":"bench","industry":"other","pushProtocol":"Http","acceptTerms":true}')
app_id=$(echo "$created" | json "['applicationId']")
app_secret=$(echo "$created" | json "['secret']")
signing_secret=$(curl -sf -X POST "$api/applications/$app_id/push/signing-secret" -H "Authorization: Bearer $token" | json "['secret']")
access=$(curl -sf -X POST http://127.0.0.1:$na_port/iocm/app/sec/v1.1.0/login -d "appId=$app_id&secret=$app_secret" | json "['accessToken']")
curl -sf -X POST http://127.0.0.1:$na_port/iocm/app/sub/v1.2.0/subscriptions \
  -H "app_key: $app_id" -H "Authorization: Bearer $access" -H 'content-type: application/json' \
  -d "{\"notifyType\":\"deviceDataChanged\",\"callbackUrl\":\"http://127.0.0.1:$receiver_port/push\"}" >/dev/null

echo "registering $devices devices through the northbound API" >&2
python3 - "$app_id" "$access" "$devices" "$na_port" >"$out/devices.csv" <<'PY'
import http.client, json, secrets, sys
app_id, access, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[4]))
for i in range(count):
    psk = secrets.token_hex(16)
    conn.request("POST", "/iocm/app/reg/v1.1.0/deviceCredentials",
                 json.dumps({"nodeId": f"push-{i:06d}", "timeout": 0, "psk": psk}),
                 {"app_key": app_id, "Authorization": f"Bearer {access}", "content-type": "application/json"})
    response = conn.getresponse(); body = response.read()
    if response.status >= 300: raise SystemExit(f"register {i}: {response.status} {body[:200]!r}")
    print(f"{json.loads(body)['deviceId']},{psk}")
PY

gen() { taskset -c 1 "$out/gen/Shoal.Bench.Push" --receiver-port "$receiver_port" --duration "$duration" "$@"; }
echo "Shoal: $devices devices, 1 deviceDataChanged subscription over HTTP, ${duration} s per step; server on core 0, generator and receiver on core 1"
gen --source shoal --rates "$rates" --mqtt-port "$mqtt_port" --devices "$devices" --credentials "$out/devices.csv" --grace 60 --signing-secret "$signing_secret" | tee "$out/results.txt"
kill "$shoal"; wait "$shoal" 2>/dev/null || true
echo "Ceiling: HttpClient -> the same receiver, generator and receiver on core 1"
gen --source ceiling --rates "$ceiling_rates" | tee -a "$out/results.txt"

python3 - "$out/results.txt" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT "): continue
    r = dict(x.split("=", 1) for x in line.split()[1:])
    rows[(r["source"], r["target"])] = r
print()
print(f"{'target':>7} | {'Shoal /s':>9} {'p50 ms':>8} {'p99 ms':>8} {'late':>6} {'dup':>4} {'badsig':>6} | {'ceiling /s':>10} {'p50 ms':>7} {'p99 ms':>7} | ratio")
for t in sorted({t for _, t in rows}, key=int):
    s, c = rows.get(("shoal", t)), rows.get(("ceiling", t))
    sc = f"{s['rate']:>9} {s['p50']:>8} {s['p99']:>8} {int(s['sent']) - int(s['received']):>6} {s['duplicates']:>4} {s['badsig']:>6}" if s else "-"
    cc = f"{c['rate']:>10} {c['p50']:>7} {c['p99']:>7}" if c else "-"
    ratio = f"{float(s['rate']) / float(c['rate']):.0%}" if s and c and float(c['rate']) > 0 else "-"
    print(f"{t:>7} | {sc} | {cc} | {ratio}")
PY
