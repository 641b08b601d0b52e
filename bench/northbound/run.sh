#!/usr/bin/env bash
# Northbound benchmark (target in docs/benchmarks.md: login + authenticated GET >= 10,000 req/s).
# Measures, in one run, with wrk: NA login, an authenticated GET of one device and of a page of 100 devices, against Shoal
# (Release build, SQLite, plain HTTP) and against a bare Kestrel endpoint answering the same body
# (the ceiling). The servers run on core 0 and wrk on core 1. Needs: wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-15s}
connections=${CONNECTIONS:-64}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
dotnet publish bench/Shoal.Bench.Ceiling -c Release -o "$out/ceiling" -v quiet >/dev/null

wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

(cd "$out/server" && exec taskset -c 0 ./Shoal.Server \
  --Shoal:DataDirectory "$out/data" \
  --Kestrel:Endpoints:Portal:Url http://127.0.0.1:18080 \
  --Kestrel:Endpoints:Northbound:Url http://127.0.0.1:18743 \
  --Northbound:CallsPerWindow 10000000 --Northbound:SingleAccessToken false --Gateway:Port 0 --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 \
  --Logging:LogLevel:Default Warning >"$out/server.log" 2>&1) &
(cd "$out/ceiling" && exec taskset -c 0 ./Shoal.Bench.Ceiling --urls http://127.0.0.1:18090 >/dev/null 2>&1) &
wait_for http://127.0.0.1:18080/openapi/v1.json
wait_for http://127.0.0.1:18090/

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api=http://127.0.0.1:18080/api/v1
curl -sf -X POST $api/account -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark passphrase","acceptTerms":true}' >/dev/null
token=$(curl -sf -X POST $api/tokens -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark passphrase","name":"bench"}' | json "['token']")
created=$(curl -sf -X POST $api/applications -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"name":"bench","industry":"other","acceptTerms":true}')
export APP_ID=$(echo "$created" | json "['applicationId']") APP_SECRET=$(echo "$created" | json "['secret']")
access=$(curl -sf -X POST http://127.0.0.1:18743/iocm/app/sec/v1.1.0/login -d "appId=$APP_ID&secret=$APP_SECRET" | json "['accessToken']")
register() { # nodeId -> deviceId
  curl -sf -X POST http://127.0.0.1:18743/iocm/app/reg/v1.1.0/deviceCredentials -H "app_key: $APP_ID" \
    -H "Authorization: Bearer $access" -H 'content-type: application/json' -d "{\"nodeId\":\"$1\",\"timeout\":0}" | json "['deviceId']"
}
device=$(register bench-node)
for i in $(seq 99); do register "bench-node-$i" >/dev/null; done

measure() { # name url [wrk args...]
  local name=$1 url=$2; shift 2
  taskset -c 1 wrk -t1 -c"$connections" -d"$duration" --latency "$@" "$url" >"$out/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")
  printf '%-34s %12s req/s   p99 %s\n' "$name" "$rps" "$p99"
  echo "$rps" >"$out/$name.rps"
}

echo "wrk: $connections connections, $duration each; servers on core 0, wrk on core 1"
measure ceiling-get "http://127.0.0.1:18090/iocm/app/dm/v1.4.0/devices/$device"
measure shoal-get "http://127.0.0.1:18743/iocm/app/dm/v1.4.0/devices/$device" -H "app_key: $APP_ID" -H "Authorization: Bearer $access"
measure ceiling-list "http://127.0.0.1:18090/iocm/app/dm/v1.4.0/devices?pageNo=0&pageSize=100"
measure shoal-list "http://127.0.0.1:18743/iocm/app/dm/v1.4.0/devices?pageNo=0&pageSize=100" -H "app_key: $APP_ID" -H "Authorization: Bearer $access"
measure ceiling-login http://127.0.0.1:18090/iocm/app/sec/v1.1.0/login -s bench/northbound/login.lua
measure shoal-login http://127.0.0.1:18743/iocm/app/sec/v1.1.0/login -s bench/northbound/login.lua
python3 - "$out" <<'PY'
import sys, pathlib
d = pathlib.Path(sys.argv[1]); r = lambda n: float((d / f"{n}.rps").read_text())
print(f"authenticated GET: {r('shoal-get') / r('ceiling-get'):.0%} of the ceiling; device list: {r('shoal-list') / r('ceiling-list'):.0%}; "
      f"login: {r('shoal-login') / r('ceiling-login'):.0%}")
PY
