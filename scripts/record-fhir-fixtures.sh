#!/usr/bin/env bash
# Records test/fixtures/fhir/fhir-rest.pcap: real curl (Debian's curl) requests over FHIR REST shapes (read,
# vread, search, compartment search, $operation, capabilities, create, update, patch, delete, _search,
# transaction, system history) to a tiny FHIR-shaped responder written here on Python's http.server, between
# two network namespaces (vfhir-srv 10.203.2.1:8080, vfhir-cli 10.203.2.2) over a veth pair. The patient
# ids, names and values are invented placeholders. The pcap is written by a small Python AF_PACKET
# capture, so no capture tool is needed. Idempotent; run as root; tears down its namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/fhir
SRV=vfhir-srv
CLI=vfhir-cli
WORK=""

teardown() {
  ip netns pids "$SRV" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids "$CLI" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}
trap teardown EXIT
teardown
WORK=$(mktemp -d)

ip netns add "$SRV"
ip netns add "$CLI"
ip link add vfhir-s type veth peer name vfhir-c
ip link set vfhir-s netns "$SRV"
ip link set vfhir-c netns "$CLI"
ip -n "$SRV" addr add 10.203.2.1/24 dev vfhir-s
ip -n "$CLI" addr add 10.203.2.2/24 dev vfhir-c
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set vfhir-s up
ip -n "$CLI" link set vfhir-c up
sleep 1

cat > "$WORK/server.py" <<'PY'
# A FHIR-shaped responder: answers every request with a small FHIR JSON resource (R4 media type).
import http.server, json
class Fhir(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'TinyFHIR/0.1'
    def reply(self):
        n = int(self.headers.get('Content-Length', '0') or '0')
        if n: self.rfile.read(n)
        if self.path.endswith('/metadata'):
            body = {'resourceType': 'CapabilityStatement', 'fhirVersion': '4.0.1', 'status': 'active', 'kind': 'instance'}
        elif self.command == 'DELETE':
            body = None
        else:
            body = {'resourceType': 'Patient', 'id': 'pat-jane-doe', 'name': [{'family': 'Doe', 'given': ['Jane']}], 'birthDate': '1970-01-01'}
        data = b'' if body is None else json.dumps(body).encode()
        self.send_response(204 if body is None else 200)
        if body is not None:
            self.send_header('Content-Type', 'application/fhir+json; fhirVersion=4.0; charset=utf-8')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = reply
    def log_message(self, *args):
        pass
import sys
server = http.server.ThreadingHTTPServer(('10.203.2.1', 8080), Fhir)
open(sys.argv[1], 'w').close()
server.serve_forever()
PY

ip netns exec "$CLI" python3 scripts/afpacket-capture.py vfhir-c "$WORK/fhir.pcap" &
CAP=$!
while [ ! -e "$WORK/fhir.pcap.ready" ]; do sleep 0.1; done
ip netns exec "$SRV" python3 "$WORK/server.py" "$WORK/server.ready" &
for _ in $(seq 100); do [ -e "$WORK/server.ready" ] && break; sleep 0.1; done
B=http://10.203.2.1:8080/fhir
A='Accept: application/fhir+json; fhirVersion=4.0'
J='Content-Type: application/fhir+json; fhirVersion=4.0'
# One connection of reads and searches (curl --next keeps it open), one of writes.
ip netns exec "$CLI" curl -s -o /dev/null -H "$A" "$B/metadata" \
  --next -s -o /dev/null -H "$A" "$B/Patient/pat-jane-doe" \
  --next -s -o /dev/null -H "$A" "$B/Observation?patient=pat-jane-doe&code=http://loinc.org%7C8867-4&_count=5" \
  --next -s -o /dev/null -H "$A" "$B/Patient/pat-jane-doe/_history/2" \
  --next -s -o /dev/null -H "$A" "$B/Patient/pat-jane-doe/\$everything" \
  --next -s -o /dev/null -H "$A" "$B/Patient/pat-jane-doe/Observation?code=8867-4"
ip netns exec "$CLI" curl -s -o /dev/null -H "$J" -X POST --data '{"resourceType":"Observation","status":"final","subject":{"reference":"Patient/pat-jane-doe"},"valueQuantity":{"value":72}}' "$B/Observation" \
  --next -s -o /dev/null -H "$J" -X PUT --data '{"resourceType":"Patient","id":"pat-jane-doe","name":[{"family":"Doe"}]}' "$B/Patient/pat-jane-doe" \
  --next -s -o /dev/null -H 'Content-Type: application/json-patch+json' -X PATCH --data '[{"op":"replace","path":"/birthDate","value":"1970-01-02"}]' "$B/Patient/pat-jane-doe" \
  --next -s -o /dev/null -X DELETE "$B/Observation/obs-77" \
  --next -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' --data 'family=Doe&birthdate=1970-01-01' "$B/Patient/_search" \
  --next -s -o /dev/null -H "$J" --data '{"resourceType":"Bundle","type":"transaction","entry":[]}' "$B" \
  --next -s -o /dev/null -H "$A" "$B/_history"
sleep 0.5
kill "$CAP"
wait "$CAP" || true
mkdir -p "$OUT"
cp "$WORK/fhir.pcap" "$OUT/fhir-rest.pcap"
ls -l "$OUT"
