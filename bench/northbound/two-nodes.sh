#!/usr/bin/env bash
# How fast a revoked NA token is refused on another node: two Shoal nodes (Release) on one PostgreSQL database.
# A token is checked on node 2 (so node 2 caches it), revoked on node 1 (logout, or a secret reset), and node 2 is
# asked again and again until it refuses; the time from node 1's answer to node 2's first refusal is printed.
# Needs: a local PostgreSQL (user postgres, password postgres, as test.sh sets up), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-20}
out=$(mktemp -d)
database=shoal_bench_nodes_$$
pg="Host=127.0.0.1;Username=postgres;Password=postgres"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null; rm -rf "$out"' EXIT

dotnet publish src/Shoal.Server -c Release -o "$out/server" -v quiet >/dev/null
PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $database" >/dev/null

node() { # name portal-port northbound-port
  (cd "$out/server" && exec ./Shoal.Server --Shoal:DataDirectory "$out/data" \
    --Storage:Provider Postgres --Storage:ConnectionString "$pg;Database=$database" \
    --Gateway:NodeName "$1" --Kestrel:Endpoints:Portal:Url "http://127.0.0.1:$2" --Kestrel:Endpoints:Northbound:Url "http://127.0.0.1:$3" \
    --Northbound:CallsPerWindow 10000000 --Gateway:Port 0 --Gateway:TlsPort 0 --Gateway:HttpsPort 0 --Coap:Port 0 --Coap:DtlsPort 0 \
    --Logging:LogLevel:Default Warning >"$out/$1.log" 2>&1) &
}
wait_for() { for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

node first 19180 19843
wait_for http://127.0.0.1:19180/openapi/v1.json
node second 19181 19844
wait_for http://127.0.0.1:19181/openapi/v1.json

python3 - "$rounds" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
rounds = int(sys.argv[1])
def call(port, method, path, body=None, headers=None, form=False):
    c = http.client.HTTPConnection("127.0.0.1", port)
    h = dict(headers or {})
    if body is not None:
        h["content-type"] = "application/x-www-form-urlencoded" if form else "application/json"
        body = urllib.parse.urlencode(body) if form else json.dumps(body)
    c.request(method, path, body, h)
    r = c.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)
call(19180, "POST", "/api/v1/account", {"email": "nodes@example.com", "password": "benchmark passphrase", "acceptTerms": True})
_, t = call(19180, "POST", "/api/v1/tokens", {"email": "nodes@example.com", "password": "benchmark passphrase", "name": "bench"})
user = {"Authorization": "Bearer " + t["token"]}
_, app = call(19180, "POST", "/api/v1/applications", {"name": "nodes", "industry": "other", "acceptTerms": True}, user)
app_id, secret = app["applicationId"], app["secret"]
second = http.client.HTTPConnection("127.0.0.1", 19844)
def on_second(token):
    second.request("GET", "/iocm/app/dm/v1.4.0/devices", headers={"app_key": app_id, "Authorization": "Bearer " + token})
    r = second.getresponse(); r.read()
    return r.status
for revoke in ("logout", "secret reset"):
    waits = []
    for _ in range(rounds):
        _, login = call(19843, "POST", "/iocm/app/sec/v1.1.0/login", {"appId": app_id, "secret": secret}, form=True)
        token = login["accessToken"]
        assert on_second(token) == 200
        if revoke == "logout":
            call(19843, "POST", "/iocm/app/sec/v1.1.0/logout", {"accessToken": token})
        else:
            _, reset = call(19180, "POST", f"/api/v1/applications/{app_id}/secret", {}, user)
            secret = reset["secret"]
        revoked = time.perf_counter()
        while on_second(token) == 200:
            pass
        waits.append((time.perf_counter() - revoked) * 1000)
    waits.sort()
    print(f"{revoke:>12}: refused on the other node after p50 {statistics.median(waits):.1f} ms, max {waits[-1]:.1f} ms ({rounds} rounds)")
PY
