#!/usr/bin/env bash
# Hostile MQTT traffic against Shoal's device port and, in the same run, against Debian's Mosquitto: RSS over time.
# Each server gets the same traffic (bench/fuzz/hostile.py): 256 MB announced lengths, garbage, CONNECTs that never
# finish, empty connections. Environment: SECONDS_EACH (default 120), RATE (connections per second, default 75).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${SECONDS_EACH:-120} rate=${RATE:-75}
portal_port=${PORTAL_PORT:-18280} na_port=${NA_PORT:-18943} mqtt_port=${MQTT_PORT:-11983} mosquitto_port=${MOSQUITTO_PORT:-18983}
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
command -v mosquitto >/dev/null || apt-get install -y mosquitto >/dev/null
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
(cd "$out/server" && exec ./Shoal.Server --Shoal:DataDirectory "$out/data" \
  --Kestrel:Endpoints:Portal:Url http://127.0.0.1:$portal_port --Kestrel:Endpoints:Northbound:Url http://127.0.0.1:$na_port \
  --Gateway:Port $mqtt_port --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 --Logging:LogLevel:Default Warning >"$out/server.log" 2>&1) &
shoal=$!
pids+=("$shoal")
for _ in $(seq 150); do curl -s -o /dev/null http://127.0.0.1:$portal_port/openapi/v1.json && break; sleep 0.2; done
echo "Shoal, $seconds s at $rate hostile connections/s:"
python3 bench/fuzz/hostile.py 127.0.0.1 "$mqtt_port" "$shoal" "$seconds" "$rate" | tee "$out/shoal.txt"
kill "$shoal"

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_connections -1\n' "$mosquitto_port" >"$out/mosquitto.conf"
("$mosquitto_bin" -c "$out/mosquitto.conf") &
mosq=$!
pids+=("$mosq")
sleep 1
echo "Mosquitto $("$mosquitto_bin" -h 2>/dev/null | awk 'NR==1 {print $3}'), $seconds s at $rate hostile connections/s:"
python3 bench/fuzz/hostile.py 127.0.0.1 "$mosquitto_port" "$mosq" "$seconds" "$rate" | tee "$out/mosquitto.txt"
