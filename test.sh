#!/usr/bin/env bash
# Runs every Shoal test, on SQLite and on PostgreSQL, with the portal tests in Chromium.
# On Debian as root it installs and starts what the tests need when it is missing:
# PostgreSQL on 127.0.0.1:5432 (user postgres, password postgres), /usr/bin/chromium, mosquitto_pub, haproxy,
# libcoap's coap-client and Node.js; then the npm LwM2M client the CoAP tests run as a device.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v coap-client-openssl >/dev/null || missing+=(libcoap3-bin)
  command -v npm >/dev/null || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  read -r pg_version pg_cluster _ < <(pg_lsclusters -h | head -n 1)
  pg_ctlcluster "$pg_version" "$pg_cluster" start 2>/dev/null || true
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\""
fi

[ -d tests/lwm2m-device/node_modules ] || (cd tests/lwm2m-device && npm ci --no-audit --no-fund --loglevel=error)

dotnet test Shoal.slnx --blame-hang-timeout 10m "$@"
