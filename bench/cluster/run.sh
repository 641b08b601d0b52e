#!/usr/bin/env bash
# Two Shoal nodes (Release) on one PostgreSQL database behind haproxy, against one of them alone behind the same
# haproxy: an authenticated northbound GET with wrk, each node's CPU per request, and how long after a kill -9 the
# other node sets the dead node's devices offline. Nodes on core 0, haproxy and wrk on core 1.
# Needs: a local PostgreSQL (user postgres, password postgres, as test.sh sets up), haproxy, wrk, curl, python3,
# mosquitto_sub.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-15s}
connections=${CONNECTIONS:-64}
out=$(mktemp -d)
database=shoal_bench_cluster_$$
pg="Host=127.0.0.1;Username=postgres;Password=postgres"
psql_() { PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qAt "$@"; }
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; psql_ -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null; rm -rf "$out"' EXIT

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
psql_ -c "CREATE DATABASE $database" >/dev/null

node() { # name portal-port northbound-port mqtt-port
  (cd "$out/server" && exec taskset -c 0 ./Shoal.Server --Shoal:DataDirectory "$out/data" \
    --Storage:Provider Postgres --Storage:ConnectionString "$pg;Database=$database" \
    --Gateway:NodeName "$1" --Gateway:NodeLease 00:00:10 \
    --Kestrel:Endpoints:Portal:Url "http://127.0.0.1:$2" --Kestrel:Endpoints:Northbound:Url "http://127.0.0.1:$3" \
    --Northbound:CallsPerWindow 10000000 --Northbound:SingleAccessToken false \
    --Gateway:Port "$4" --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 \
    --Logging:LogLevel:Default Warning >"$out/$1.log" 2>&1) &
  echo $! >"$out/$1.pid"
}
wait_for() { for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

node first 19280 19943 19883
wait_for http://127.0.0.1:19280/health/ready
node second 19281 19944 19884
wait_for http://127.0.0.1:19281/health/ready
cat >"$out/haproxy.cfg" <<CFG
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend alone
  bind 127.0.0.1:19950
  default_backend alone
frontend both
  bind 127.0.0.1:19951
  default_backend both
backend alone
  server first 127.0.0.1:19943
backend both
  balance roundrobin
  server first 127.0.0.1:19943
  server second 127.0.0.1:19944
CFG
taskset -c 1 haproxy -db -f "$out/haproxy.cfg" >"$out/haproxy.log" 2>&1 &
wait_for http://127.0.0.1:19951/

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api=http://127.0.0.1:19280/api/v1
curl -sf -X POST $api/account -H 'content-type: application/json' \
  -d '{"email":"cluster@example.com","password":"benchmark passphrase","acceptTerms":true}' >/dev/null
token=$(curl -sf -X POST $api/tokens -H 'content-type: application/json' \
  -d '{"email":"cluster@example.com","password":"benchmark passphrase","name":"bench"}' | json "['token']")
created=$(curl -sf -X POST $api/applications -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"name":"cluster","industry":"other","acceptTerms":true}')
app=$(echo "$created" | json "['applicationId']") secret=$(echo "$created" | json "['secret']")
access=$(curl -sf -X POST http://127.0.0.1:19951/iocm/app/sec/v1.1.0/login -d "appId=$app&secret=$secret" | json "['accessToken']")
registered=$(curl -sf -X POST http://127.0.0.1:19951/iocm/app/reg/v1.1.0/deviceCredentials -H "app_key: $app" \
  -H "Authorization: Bearer $access" -H 'content-type: application/json' -d '{"nodeId":"cluster-node","timeout":0}')
device=$(echo "$registered" | json "['deviceId']") psk=$(echo "$registered" | json "['psk']")

cpu() { awk '{print $14 + $15}' "/proc/$(pgrep -f -n "Shoal.Server.*NodeName $1")/stat"; }
measure() { # name port
  local before1 before2 after1 after2 rps
  before1=$(cpu first) before2=$(cpu second)
  taskset -c 1 wrk -t1 -c"$connections" -d"$duration" --latency -H "app_key: $app" -H "Authorization: Bearer $access" \
    "http://127.0.0.1:$2/iocm/app/dm/v1.4.0/devices/$device" >"$out/wrk.txt"
  after1=$(cpu first) after2=$(cpu second)
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
  python3 - "$1" "$rps" "$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")" "$(awk '/requests in/ {print $1}' "$out/wrk.txt")" \
    $((after1 - before1)) $((after2 - before2)) "$(getconf CLK_TCK)" <<'PY'
import sys
name, rps, p99, requests, first, second, hz = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
print(f"{name:<22} {rps:>10,.0f} req/s   p99 {p99:>8}   node CPU {(first + second) / hz * 1e6 / requests:6.1f} core-µs/request "
      f"(first {first / hz:.1f} s, second {second / hz:.1f} s)")
PY
}
echo "authenticated GET through haproxy, wrk $connections connections, $duration each; nodes on core 0"
measure "one node" 19950
measure "two nodes" 19951

# A device on the first node; the first node is killed; the second sets the device offline once the lease has run out.
timestamp=$(date -u +%Y%m%d%H)
password=$(python3 -c "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())" "$timestamp" "$psk")
mosquitto_sub -h 127.0.0.1 -p 19883 -i "${device}_0_1_$timestamp" -u "$device" -P "$password" -t "\$oc/devices/$device/sys/commands/#" >/dev/null 2>&1 &
status() { psql_ -d "$database" -c "SELECT \"Status\" FROM \"Devices\" WHERE \"Id\" = '$device'"; }
for _ in $(seq 100); do [ "$(status)" = Online ] && break; sleep 0.1; done
kill -9 "$(pgrep -f -n "Shoal.Server.*NodeName first")"
killed=$(date +%s.%N)
until [ "$(status)" = Offline ]; do sleep 0.05; done
python3 -c "import sys; print(f'kill -9 of the first node: its device offline {float(sys.argv[2]) - float(sys.argv[1]):.1f} s later (lease 10 s, renewed every 3.3 s)')" "$killed" "$(date +%s.%N)"
