#!/usr/bin/env bash
# Records test/fixtures/sdc/*.pcap: genuine WS-Discovery (SOAP-over-UDP, multicast 239.255.255.250:3702)
# and SOAP-over-HTTP (DPWS GetMetadata, BICEPS GetMdib) between two network namespaces, vsdc-dev (a
# small SDC-shaped provider written here in Python) and vsdc-cli (a consumer), over a veth pair in
# 10.203.1.0/24. Debian has no SDC stack: the messages follow WS-Discovery 1.1, DPWS 1.1 and IEEE
# 11073-20701/-10207; the MDIB metadata comes from Draeger's sdc11073 test MDIB (MIT, see
# test/fixtures/README.md), the patient context values are sdc11073's placeholders. The pcap is written by
# a small Python AF_PACKET capture, so no capture tool is needed. Idempotent; run as root; tears down its namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/sdc
WORK=""
DEV=vsdc-dev
CLI=vsdc-cli

teardown() {
  ip netns pids "$DEV" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids "$CLI" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$DEV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}
trap teardown EXIT
teardown
WORK=$(mktemp -d)

ip netns add "$DEV"
ip netns add "$CLI"
ip link add vsdc-d type veth peer name vsdc-c
ip link set vsdc-d netns "$DEV"
ip link set vsdc-c netns "$CLI"
ip -n "$DEV" addr add 10.203.1.1/24 dev vsdc-d
ip -n "$CLI" addr add 10.203.1.2/24 dev vsdc-c
for ns in "$DEV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$DEV" link set vsdc-d up
ip -n "$CLI" link set vsdc-c up
# Multicast leaves by the veth (there is no default route in a fresh namespace).
ip -n "$DEV" route add 224.0.0.0/4 dev vsdc-d
ip -n "$CLI" route add 224.0.0.0/4 dev vsdc-c
sleep 1

cat > "$WORK/messages.py" <<'PY'
DEVICE = 'urn:uuid:5b1c9a5e-7c1f-4d2a-9d55-0a2030405060'
XADDR = 'http://10.203.1.1:6464/5b1c9a5e-7c1f-4d2a-9d55-0a2030405060'
NS = ('xmlns:s12="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" '
      'xmlns:wsd="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" xmlns:dpws="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01" '
      'xmlns:mdpws="http://standards.ieee.org/downloads/11073/11073-20702-2016"')
WSD = 'http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01'
SCOPES = ('sdc.ctxt.loc:/sdc.ctxt.loc.detail/HOSP1%2F%2F%2FICU1%2F%2FBED3?fac=HOSP1&amp;poc=ICU1&amp;bed=BED3 '
          'sdc.mds.pkp:1.2.840.10004.20701.1.1 '
          'sdc.ctxt.pat:/sdc.ctxt.pat.ext/MRN-PLACEHOLDER-0001')
def env(action, body, msgid, relates=''):
    rel = f'<wsa:RelatesTo>{relates}</wsa:RelatesTo>' if relates else ''
    return (f'<?xml version="1.0" encoding="UTF-8"?><s12:Envelope {NS}><s12:Header><wsa:Action>{action}</wsa:Action>'
            f'<wsa:MessageID>urn:uuid:{msgid}</wsa:MessageID>{rel}<wsa:To>urn:docs-oasis-open-org:ws-dd:ns:discovery:2009:01</wsa:To></s12:Header>'
            f'<s12:Body>{body}</s12:Body></s12:Envelope>').encode()
def entry(tag, md=1):
    return (f'<wsd:{tag}><wsa:EndpointReference><wsa:Address>{DEVICE}</wsa:Address></wsa:EndpointReference>'
            f'<wsd:Types>dpws:Device mdpws:MedicalDevice</wsd:Types><wsd:Scopes>{SCOPES}</wsd:Scopes>'
            f'<wsd:XAddrs>{XADDR}</wsd:XAddrs><wsd:MetadataVersion>{md}</wsd:MetadataVersion></wsd:{tag}>')
HELLO = env(f'{WSD}/Hello', entry('Hello'), '11111111-0000-4000-8000-000000000001')
BYE = env(f'{WSD}/Bye', f'<wsd:Bye><wsa:EndpointReference><wsa:Address>{DEVICE}</wsa:Address></wsa:EndpointReference></wsd:Bye>', '11111111-0000-4000-8000-000000000009')
PROBE = env(f'{WSD}/Probe', '<wsd:Probe><wsd:Types>mdpws:MedicalDevice</wsd:Types></wsd:Probe>', '22222222-0000-4000-8000-000000000001')
PROBE_MATCHES = env(f'{WSD}/ProbeMatches', '<wsd:ProbeMatches>' + entry('ProbeMatch') + '</wsd:ProbeMatches>', '11111111-0000-4000-8000-000000000002', 'urn:uuid:22222222-0000-4000-8000-000000000001')
RESOLVE = env(f'{WSD}/Resolve', f'<wsd:Resolve><wsa:EndpointReference><wsa:Address>{DEVICE}</wsa:Address></wsa:EndpointReference></wsd:Resolve>', '22222222-0000-4000-8000-000000000002')
RESOLVE_MATCHES = env(f'{WSD}/ResolveMatches', '<wsd:ResolveMatches>' + entry('ResolveMatch') + '</wsd:ResolveMatches>', '11111111-0000-4000-8000-000000000003', 'urn:uuid:22222222-0000-4000-8000-000000000002')
GET = env('http://schemas.xmlsoap.org/ws/2004/09/transfer/Get', '', '22222222-0000-4000-8000-000000000003')
# Manufacturer, model name and number as in sdc11073 tests/70041_MDIB_Final.xml (MIT).
METADATA = env('http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse',
    '<wsx:Metadata xmlns:wsx="http://schemas.xmlsoap.org/ws/2004/09/mex">'
    '<wsx:MetadataSection Dialect="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01/ThisModel"><dpws:ThisModel>'
    '<dpws:Manufacturer xml:lang="en-US">Dr&#228;gerwerk AG &amp; Co. KGaA</dpws:Manufacturer><dpws:Manufacturer xml:lang="de">Dr&#228;gerwerk</dpws:Manufacturer>'
    '<dpws:ManufacturerUrl>https://www.draeger.com</dpws:ManufacturerUrl><dpws:ModelName xml:lang="en-US">A3XX</dpws:ModelName>'
    '<dpws:ModelNumber>01.00</dpws:ModelNumber></dpws:ThisModel></wsx:MetadataSection>'
    '<wsx:MetadataSection Dialect="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01/ThisDevice"><dpws:ThisDevice>'
    '<dpws:FriendlyName xml:lang="en-US">Vigil SDC test provider</dpws:FriendlyName><dpws:FirmwareVersion>0.9.1</dpws:FirmwareVersion>'
    '<dpws:SerialNumber>VIGIL-SDC-0001</dpws:SerialNumber></dpws:ThisDevice></wsx:MetadataSection></wsx:Metadata>',
    '11111111-0000-4000-8000-000000000004', 'urn:uuid:22222222-0000-4000-8000-000000000003')
GET_MDIB = env('http://standards.ieee.org/downloads/11073/11073-20701-2018/GetService/GetMdib',
    '<msg:GetMdib xmlns:msg="http://standards.ieee.org/downloads/11073/11073-10207-2017/message"/>', '22222222-0000-4000-8000-000000000004')
# An abridged MDIB: the MdsDescriptor MetaData of 70041_MDIB_Final.xml and the patient context state of
# sdc11073 tests/mdib_tns.xml (placeholder names), which must never be reported.
MDIB = env('http://standards.ieee.org/downloads/11073/11073-20701-2018/GetService/GetMdibResponse',
    '<msg:GetMdibResponse xmlns:msg="http://standards.ieee.org/downloads/11073/11073-10207-2017/message" '
    'xmlns:pm="http://standards.ieee.org/downloads/11073/11073-10207-2017/participant" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" MdibVersion="7">'
    '<msg:Mdib MdibVersion="7"><pm:MdDescription><pm:Mds Handle="mds0"><pm:MetaData><pm:Udi><pm:DeviceIdentifier>device</pm:DeviceIdentifier>'
    '</pm:Udi><pm:Manufacturer Lang="en-US">Dr&#228;gerwerk AG &amp; Co. KGaA</pm:Manufacturer><pm:ModelName Lang="en-US">A3XX</pm:ModelName>'
    '<pm:ModelNumber>01.00</pm:ModelNumber><pm:SerialNumber>VIGIL-SDC-0001</pm:SerialNumber></pm:MetaData></pm:Mds></pm:MdDescription>'
    '<pm:MdState><pm:State xsi:type="pm:PatientContextState" Handle="pc0" DescriptorHandle="PC.mds0" ContextAssociation="Assoc">'
    '<pm:CoreData><pm:Givenname>Given</pm:Givenname><pm:Familyname>Familiy</pm:Familyname><pm:DateOfBirth>1970-01-01</pm:DateOfBirth></pm:CoreData>'
    '<pm:Identification Root="1.2.3" Extension="MRN-PLACEHOLDER-0001"/></pm:State></pm:MdState></msg:Mdib></msg:GetMdibResponse>',
    '11111111-0000-4000-8000-000000000005', 'urn:uuid:22222222-0000-4000-8000-000000000004')
PY

cat > "$WORK/device.py" <<'PY'
import http.server, socket, struct, sys, threading, time
sys.path.insert(0, sys.argv[1])
from messages import *
GROUP = ('239.255.255.250', 3702)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
udp.bind(('0.0.0.0', 3702))
udp.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4s4s', socket.inet_aton(GROUP[0]), socket.inet_aton('10.203.1.1')))
udp.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('10.203.1.1'))
udp.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
class Soap(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        reply = MDIB if b'GetMdib' in body else METADATA
        self.send_response(200)
        self.send_header('Content-Type', 'application/soap+xml; charset=utf-8')
        self.send_header('Content-Length', str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(('10.203.1.1', 6464), Soap)
threading.Thread(target=srv.serve_forever, daemon=True).start()
udp.sendto(HELLO, GROUP)
open(sys.argv[1] + '/device.ready', 'w').close()
udp.settimeout(8)
try:
    while True:
        data, peer = udp.recvfrom(65535)
        if b'/Probe<' in data:
            udp.sendto(PROBE_MATCHES, peer)
        elif b'/Resolve<' in data:
            udp.sendto(RESOLVE_MATCHES, peer)
        elif b'/Bye' in data:
            break
except socket.timeout:
    pass
udp.sendto(BYE, GROUP)
time.sleep(0.5)
PY

cat > "$WORK/client.py" <<'PY'
import http.client, socket, struct, sys
sys.path.insert(0, sys.argv[1])
from messages import *
GROUP = ('239.255.255.250', 3702)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('10.203.1.2'))
s.bind(('10.203.1.2', 0))
s.settimeout(3)
s.sendto(PROBE, GROUP)
print('probe matches:', len(s.recvfrom(65535)[0]))
s.sendto(RESOLVE, GROUP)
print('resolve matches:', len(s.recvfrom(65535)[0]))
c = http.client.HTTPConnection('10.203.1.1', 6464, timeout=5)
for body in (GET, GET_MDIB):
    c.request('POST', '/5b1c9a5e-7c1f-4d2a-9d55-0a2030405060', body=body, headers={'Content-Type': 'application/soap+xml; charset=utf-8'})
    r = c.getresponse()
    print('http', r.status, len(r.read()))
c.close()
PY

ip netns exec "$CLI" python3 scripts/afpacket-capture.py vsdc-c "$WORK/sdc.pcap" &
CAP=$!
while [ ! -e "$WORK/sdc.pcap.ready" ]; do sleep 0.1; done
ip netns exec "$DEV" python3 "$WORK/device.py" "$WORK" &
DEVPID=$!
for _ in $(seq 100); do [ -e "$WORK/device.ready" ] && break; sleep 0.1; done
ip netns exec "$CLI" python3 "$WORK/client.py" "$WORK"
wait "$DEVPID" || true
sleep 0.5
kill "$CAP"
wait "$CAP" || true
mkdir -p "$OUT"
cp "$WORK/sdc.pcap" "$OUT/sdc-discovery-and-metadata.pcap"
ls -l "$OUT"
