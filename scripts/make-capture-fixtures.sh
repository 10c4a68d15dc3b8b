#!/usr/bin/env bash
# Re-records the capture-format fixtures in test/fixtures/capture/ and writes expected.json: for
# every fixture, what tshark reads in it (per frame: frame.time_epoch, frame.cap_len, frame.len,
# frame.encap_type) plus the pcapng interface statistics, so the tests compare against tshark even
# where tshark is not installed.
#
# All traffic stays between two network namespaces this script creates (vigcap-a, vigcap-b) joined
# by veth pairs; addresses 10.99.0.0/16 and fd00:99::/32 exist only inside them. Needs root,
# iproute2, tcpdump, dumpcap, tshark, text2pcap, curl, gzip and python3 (standard library).
#
# What is recorded, and how (see test/fixtures/README.md, "Capture-format fixtures"):
#   phase 1, on veth vb in vigcap-b: ARP, ICMP echo v4 and v6, 3000-byte echoes (IPv4 and IPv6
#     fragments, made by the kernel), a UDP datagram to a closed port (ICMP port unreachable), and an
#     HTTP GET over TCP (python3 -m http.server answering curl). Recorded at once by six captures:
#     tcpdump (pcap, microseconds), tcpdump --time-stamp-precision=nano (pcap, nanoseconds), dumpcap
#     (pcapng: if_tsresol 9, interface statistics block), dumpcap -s 128 (pcapng, cut packets),
#     tcpdump -i any -y LINUX_SLL and -y LINUX_SLL2.
#   phase 2 and 3, on a trunk veth: ARP, NDP and pings through 802.1Q VLAN 100, then 802.1ad S-VLAN
#     200 around 802.1Q C-VLAN 300. This machine's kernel has no 8021q module and no bridge VLAN
#     filtering, so a python AF_PACKET relay in each namespace tags frames bound for the trunk and
#     untags frames from it; the frames themselves come from the kernels at both ends.
#   conversions of those real recordings: raw IP (text2pcap -l 101), BSD loopback (text2pcap -l 0,
#     behind a 4-byte address family), big-endian pcap / pcapng (byte-swapped by the python
#     below; tshark must read them identically, and swapping back must give the original bytes),
#     simple packet blocks (enhanced packet blocks rewritten), several sections (files
#     concatenated), gzip.
#
# Usage: sudo scripts/make-capture-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/capture
NSA=vigcap-a
NSB=vigcap-b
WORK=$(mktemp -d /tmp/vigil-capture-fixtures.XXXXXX)
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

die() { echo "make-capture-fixtures: $*" >&2; exit 1; }
for tool in ip tcpdump dumpcap tshark text2pcap curl gzip python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[[ $(id -u) -eq 0 ]] || die "run as root (network namespaces)"
mkdir -p "$OUT"

A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }

# ------------------------------------------------------------------------------------------------
# Python helpers

cat >"$WORK/traffic.py" <<'EOF'
"""ICMP echo (v4 and v6, any size) and a UDP datagram, without ping (not installed here)."""
import select, socket, struct, sys, time

def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ping(version, dst, size, ident=0x7161, seq=1, timeout=3.0):
    payload = bytes(i & 0xff for i in range(size))
    if version == 4:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        head = struct.pack('!BBHHH', 8, 0, 0, ident, seq)
        packet = struct.pack('!BBHHH', 8, 0, checksum(head + payload), ident, seq) + payload
        reply = 0
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        packet = struct.pack('!BBHHH', 128, 0, 0, ident, seq) + payload  # the kernel fills the checksum
        reply = 129
    s.sendto(packet, (dst, 0))
    end = time.time() + timeout
    while time.time() < end:
        if not select.select([s], [], [], max(0.0, end - time.time()))[0]:
            break
        data = s.recv(65535)
        icmp = data[(data[0] & 0x0f) * 4:] if version == 4 else data
        if icmp[0] == reply and struct.unpack('!H', icmp[4:6])[0] == ident:
            return
    sys.exit(f'ping{version} {dst} ({size} bytes): no reply')

cmd = sys.argv[1]
if cmd in ('ping4', 'ping6'):
    ping(int(cmd[-1]), sys.argv[2], int(sys.argv[3]))
elif cmd == 'udp':
    family = socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET
    socket.socket(family, socket.SOCK_DGRAM).sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
else:
    sys.exit('unknown command ' + cmd)
EOF

cat >"$WORK/relay.py" <<'EOF'
"""Userspace VLAN tagger (this kernel has no 8021q): bridges an untagged access veth and a trunk
veth, pushing TAGS (tpid:vid,...) onto frames bound for the trunk and removing tags from frames
that arrive on it."""
import select, socket, struct, sys
access, trunk = sys.argv[1], sys.argv[2]
tags = b''.join(struct.pack('!HH', int(t.split(':')[0], 16), int(t.split(':')[1])) for t in sys.argv[3].split(','))

def open_raw(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
    s.bind((name, 0))
    return s

a, t = open_raw(access), open_raw(trunk)
print('relay ready', flush=True)
while True:
    for s in select.select([a, t], [], [])[0]:
        data, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if s is a:
            t.send(data[:12] + tags + data[12:])
        else:
            # The receiving kernel already moved the outer tag into metadata; drop any left inline.
            while len(data) >= 18 and data[12:14] in (b'\x81\x00', b'\x88\xa8', b'\x91\x00'):
                data = data[:12] + data[16:]
            a.send(data)
EOF

cat >"$WORK/fixture-tool.py" <<'EOF'
"""Byte-order swapping of pcap / pcapng, simple-packet-block rewriting, BSD loopback hexdumps,
interface statistics and expected.json."""
import json, struct, subprocess, sys, time

PCAP_MAGICS = {0xa1b2c3d4, 0xa1b23c4d}

def swap_pcap(data):
    if struct.unpack('<I', data[:4])[0] in PCAP_MAGICS:
        src, dst = '<', '>'
    elif struct.unpack('>I', data[:4])[0] in PCAP_MAGICS:
        src, dst = '>', '<'
    else:
        raise SystemExit('not a pcap')
    out = bytearray(struct.pack(dst + 'IHHiIII', *struct.unpack_from(src + 'IHHiIII', data, 0)))
    pos = 24
    while pos < len(data):
        sec, frac, incl, orig = struct.unpack_from(src + 'IIII', data, pos)
        out += struct.pack(dst + 'IIII', sec, frac, incl, orig) + data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
    assert pos == len(data), 'pcap ends inside a record'
    return bytes(out)

SHB, IDB, SPB, ISB, EPB = 0x0a0d0d0a, 1, 3, 5, 6
RAW, U32, U64, TS = 'raw', 'u32', 'u64', 'ts'
# Option value types per block (draft-ietf-opsawg-pcapng); opt_comment (1) is UTF-8 everywhere.
OPTIONS = {
    SHB: {1: RAW, 2: RAW, 3: RAW, 4: RAW},
    IDB: {1: RAW, 2: RAW, 3: RAW, 4: RAW, 5: RAW, 6: RAW, 7: RAW, 8: U64, 9: RAW, 10: U32, 11: RAW,
          12: RAW, 13: RAW, 14: U64, 15: RAW, 16: U64, 17: U64},
    EPB: {1: RAW, 2: U32, 3: RAW, 4: U64, 5: U64, 6: U32, 7: RAW},
    ISB: {1: RAW, 2: TS, 3: TS, 4: U64, 5: U64, 6: U64, 7: U64, 8: U64},
    SPB: {},
}
FIXED = {SHB: 'IHHq', IDB: 'HHI', EPB: 'IIIII', ISB: 'III', SPB: 'I'}

def blocks(data):
    """Yield (byte order, type, offset, length) of every block, following each section's order."""
    pos, order = 0, '<'
    while pos < len(data):
        if struct.unpack_from('<I', data, pos)[0] == SHB:
            order = '<' if struct.unpack_from('<I', data, pos + 8)[0] == 0x1a2b3c4d else '>'
        btype, length = struct.unpack_from(order + 'II', data, pos)
        assert struct.unpack_from(order + 'I', data, pos + length - 4)[0] == length, f'bad block at {pos}'
        yield order, btype, pos, length
        pos += length

def swap_options(data, pos, end, codes, src, dst):
    out = bytearray()
    while pos + 4 <= end:
        code, length = struct.unpack_from(src + 'HH', data, pos)
        value = data[pos + 4:pos + 4 + length]
        padded = (length + 3) & ~3
        out += struct.pack(dst + 'HH', code, length)
        if code == 0:
            out += data[pos + 4:end]
            return bytes(out)
        kind = codes.get(code)
        if kind is None:
            raise SystemExit(f'option {code} of unknown type: teach fixture-tool.py about it')
        if kind == U32:
            value = struct.pack(dst + 'I', *struct.unpack(src + 'I', value))
        elif kind == U64:
            value = struct.pack(dst + 'Q', *struct.unpack(src + 'Q', value))
        elif kind == TS:
            value = struct.pack(dst + 'II', *struct.unpack(src + 'II', value))
        out += value + data[pos + 4 + length:pos + 4 + padded]
        pos += 4 + padded
    out += data[pos:end]
    return bytes(out)

def swap_pcapng(data):
    out = bytearray()
    for src, btype, pos, length in blocks(data):
        dst = '>' if src == '<' else '<'
        if btype not in FIXED:
            raise SystemExit(f'block type {btype} at {pos}: teach fixture-tool.py about it')
        fixed = FIXED[btype]
        size = struct.calcsize('<' + fixed)
        body = bytearray(struct.pack(dst + fixed, *struct.unpack_from(src + fixed, data, pos + 8)))
        start, end = pos + 8 + size, pos + length - 4
        if btype == EPB:
            caplen = struct.unpack_from(src + 'I', data, pos + 20)[0]
            body += data[start:start + ((caplen + 3) & ~3)]
            start += (caplen + 3) & ~3
        if btype == SPB:
            body += data[start:end]
        else:
            body += swap_options(data, start, end, OPTIONS[btype], src, dst)
        out += struct.pack(dst + 'II', btype, length) + body + struct.pack(dst + 'I', length)
    return bytes(out)

def to_spb(data):
    """Enhanced packet blocks of a one-interface pcapng become simple packet blocks."""
    out = bytearray()
    snaplen, interfaces = 0, 0
    for order, btype, pos, length in blocks(data):
        if btype == IDB:
            interfaces += 1
            snaplen = struct.unpack_from(order + 'I', data, pos + 12)[0]
        if btype != EPB:
            out += data[pos:pos + length]
            continue
        assert interfaces == 1
        ifid, _, _, caplen, origlen = struct.unpack_from(order + 'IIIII', data, pos + 8)
        assert ifid == 0 and caplen == min(origlen, snaplen or origlen), 'SPB cannot express this packet'
        packet = data[pos + 28:pos + 28 + caplen]
        packet += b'\0' * (-len(packet) % 4)
        size = 16 + len(packet)
        out += struct.pack(order + 'III', SPB, size, origlen) + packet + struct.pack(order + 'I', size)
    return bytes(out)

def interface_statistics(data):
    stats = []
    for order, btype, pos, length in blocks(data):
        if btype != ISB:
            continue
        entry = {'interfaceId': struct.unpack_from(order + 'I', data, pos + 8)[0]}
        p, end = pos + 20, pos + length - 4
        while p + 4 <= end:
            code, olen = struct.unpack_from(order + 'HH', data, p)
            if code == 0:
                break
            name = {4: 'ifRecv', 5: 'ifDrop', 7: 'osDrop'}.get(code)
            if name and olen == 8:
                entry[name] = struct.unpack_from(order + 'Q', data, p + 4)[0]
            p += 4 + ((olen + 3) & ~3)
        stats.append(entry)
    return stats

def ip_hexdump(data, link):
    """text2pcap input holding the IPv4 / IPv6 packets of a little-endian microsecond Ethernet pcap
    (whole frames only), bare for raw IP or behind a 4-byte address family for BSD loopback."""
    lines = []
    pos = 24
    assert struct.unpack_from('<IHHiIII', data, 0)[0::6] == (0xa1b2c3d4, 1), 'expected an Ethernet pcap in microseconds'
    while pos < len(data):
        sec, usec, incl, orig = struct.unpack_from('<IIII', data, pos)
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if frame[12:14] not in (b'\x08\x00', b'\x86\xdd'):
            continue
        assert incl == orig
        packet = frame[14:]
        if link == 'null':
            # DLT_NULL: address family in the capturing host's byte order; 2 = AF_INET, 30 = macOS AF_INET6.
            packet = struct.pack('<I', 2 if packet[0] >> 4 == 4 else 30) + packet
        lines.append(time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(sec)) + '.%06d' % usec)
        for i in range(0, len(packet), 16):
            lines.append('%06x  %s' % (i, ' '.join('%02x' % b for b in packet[i:i + 16])))
        lines.append('')
    return '\n'.join(lines) + '\n'

def tshark_frames(path):
    out = subprocess.run(['tshark', '-r', path, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.time_epoch',
                          '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'frame.encap_type'],
                         check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line]

def tshark_dump(path):
    """Everything tshark shows of every frame, to compare a converted file with its original."""
    return subprocess.run(['tshark', '-r', path, '-V', '-x'],
                          check=True, capture_output=True, text=True).stdout

def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'swap':
        src, dst = args
        data = open(src, 'rb').read()
        swap = swap_pcapng if struct.unpack('<I', data[:4])[0] == SHB else swap_pcap
        swapped = swap(data)
        assert swap(swapped) == data, 'swapping twice does not give the original'
        open(dst, 'wb').write(swapped)
    elif cmd == 'spb':
        open(args[1], 'wb').write(to_spb(open(args[0], 'rb').read()))
    elif cmd == 'ip-hexdump':
        sys.stdout.write(ip_hexdump(open(args[0], 'rb').read(), args[1]))
    elif cmd == 'same-in-tshark':
        a, b = (tshark_dump(p) for p in args)
        # Lines that name the file or its format legitimately differ.
        strip = lambda text: [l for l in text.splitlines() if 'File' not in l and 'Section number' not in l]
        if strip(a) != strip(b):
            raise SystemExit(f'tshark reads {args[1]} differently from {args[0]}')
    elif cmd == 'expected':
        out, names = args[0], args[1:]
        version = subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
        fixtures = {}
        for name in names:
            path = f'{out}/{name}'
            data = open(path, 'rb').read()
            if data[:2] == b'\x1f\x8b':
                import gzip
                data = gzip.decompress(data)
            magic = struct.unpack('<I', data[:4])[0]
            fmt = 'pcapng' if magic == SHB else 'pcap'
            assert name.replace('.gz', '').endswith('.' + fmt), f'{name} is a {fmt}'
            entry = {'format': fmt, 'gzip': name.endswith('.gz'), 'bytes': len(data), 'frames': tshark_frames(path)}
            if struct.unpack('<I', data[:4])[0] == SHB:
                entry['interfaceStatistics'] = interface_statistics(data)
            fixtures[name] = entry
            print(f'  {name}: {len(entry["frames"])} packets in tshark', file=sys.stderr)
        json.dump({'tshark': version, 'fields': 'frame.time_epoch frame.cap_len frame.len frame.encap_type',
                   'fixtures': fixtures}, open(f'{out}/expected.json', 'w'), indent=1)
        open(f'{out}/expected.json', 'a').write('\n')
    else:
        raise SystemExit('unknown command ' + cmd)

main()
EOF

# The interpreter itself, not a version manager's shim (each shim start costs a second).
PY=$(python3 -c 'import sys; print(sys.executable)')
TOOL() { "$PY" "$WORK/fixture-tool.py" "$@"; }

# ------------------------------------------------------------------------------------------------
# Captures: start in the background, wait until listening; stop with SIGINT (dumpcap then writes its
# interface statistics block).

CAPTURES=()
start_capture() { # name ns tool args...
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" 2>"$WORK/$name.log" &
  local pid=$!
  PIDS+=("$pid")
  CAPTURES+=("$pid")
  for _ in $(seq 100); do
    grep -qE 'listening on|Capturing on' "$WORK/$name.log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$name.log" >&2
  die "capture $name did not start"
}
stop_captures() {
  sleep 1
  local pid
  for pid in "${CAPTURES[@]}"; do kill -INT "$pid"; done
  for pid in "${CAPTURES[@]}"; do wait "$pid" || true; done
  CAPTURES=()
}
start_relay() { # ns access trunk tags
  ip netns exec "$1" "$PY" -u "$WORK/relay.py" "$2" "$3" "$4" >"$WORK/relay-$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  RELAYS+=("$pid")
  for _ in $(seq 100); do
    grep -q 'relay ready' "$WORK/relay-$1.log" && return 0
    sleep 0.1
  done
  die "relay in $1 did not start"
}
stop_relays() {
  local pid
  for pid in "${RELAYS[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
  RELAYS=()
}
RELAYS=()
flush_neighbours() { ip -n "$NSA" neigh flush all; ip -n "$NSB" neigh flush all; }

# ------------------------------------------------------------------------------------------------
# Network

ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
for ns in "$NSA" "$NSB"; do
  # No router solicitations or duplicate address detection chatter in the recordings.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
ip link add va netns "$NSA" address 02:00:00:99:00:01 type veth peer name vb netns "$NSB" address 02:00:00:99:00:02
ip -n "$NSA" addr add 10.99.0.1/24 dev va
ip -n "$NSB" addr add 10.99.0.2/24 dev vb
ip -n "$NSA" addr add fd00:99::1/64 dev va nodad
ip -n "$NSB" addr add fd00:99::2/64 dev vb nodad
ip -n "$NSA" link set va up
ip -n "$NSB" link set vb up

mkdir -p "$WORK/www"
printf 'Vigil capture fixture\n' >"$WORK/www/hello.txt"
# Not through B(): $! must be the server itself, for the cleanup to stop it.
ip netns exec "$NSB" "$PY" -u -m http.server --bind 10.99.0.2 --directory "$WORK/www" 8080 >"$WORK/http.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do grep -q 'Serving HTTP' "$WORK/http.log" && break; sleep 0.1; done
grep -q 'Serving HTTP' "$WORK/http.log" || die "http.server did not start"
sleep 1
flush_neighbours

# ------------------------------------------------------------------------------------------------
# Phase 1: one exchange, six recordings

start_capture eth.pcap "$NSB" tcpdump -Z root -n --immediate-mode -i vb -w "$WORK/eth.pcap"
start_capture eth-nsec.pcap "$NSB" tcpdump -Z root -n --immediate-mode -i vb --time-stamp-precision=nano -w "$WORK/eth-nsec.pcap"
start_capture eth.pcapng "$NSB" dumpcap -q -i vb -w "$WORK/eth.pcapng"
start_capture eth-snap128.pcapng "$NSB" dumpcap -q -i vb -s 128 -w "$WORK/eth-snap128.pcapng"
start_capture sll.pcap "$NSB" tcpdump -Z root -n --immediate-mode -i any -y LINUX_SLL -w "$WORK/sll.pcap"
start_capture sll2.pcap "$NSB" tcpdump -Z root -n --immediate-mode -i any -y LINUX_SLL2 -w "$WORK/sll2.pcap"
sleep 0.5
A "$PY" "$WORK/traffic.py" ping4 10.99.0.2 56
A "$PY" "$WORK/traffic.py" ping6 fd00:99::2 56
A "$PY" "$WORK/traffic.py" ping4 10.99.0.2 3000
A "$PY" "$WORK/traffic.py" ping6 fd00:99::2 3000
A "$PY" "$WORK/traffic.py" udp 10.99.0.2 9999 vigil
A curl -sS --noproxy '*' -o /dev/null http://10.99.0.2:8080/hello.txt
stop_captures

# ------------------------------------------------------------------------------------------------
# Phases 2 and 3: tagged frames on a trunk (a0 -- relay -- ta ==== tb -- relay -- b0)

ip -n "$NSA" link add a0 address 02:00:00:99:01:01 type veth peer name a0p
ip -n "$NSB" link add b0 address 02:00:00:99:01:02 type veth peer name b0p
ip link add ta netns "$NSA" type veth peer name tb netns "$NSB"
for l in a0 a0p ta; do ip -n "$NSA" link set "$l" up; done
for l in b0 b0p tb; do ip -n "$NSB" link set "$l" up; done
ip -n "$NSA" addr add 10.99.100.1/24 dev a0
ip -n "$NSB" addr add 10.99.100.2/24 dev b0
ip -n "$NSA" addr add fd00:99:100::1/64 dev a0 nodad
ip -n "$NSB" addr add fd00:99:100::2/64 dev b0 nodad

for phase in vlan:8100:100 qinq:88a8:200,8100:300; do
  name=${phase%%:*}
  tags=${phase#*:}
  start_relay "$NSA" a0p ta "$tags"
  start_relay "$NSB" b0p tb "$tags"
  sleep 1
  flush_neighbours
  start_capture "$name.pcap" "$NSB" tcpdump -Z root -n --immediate-mode -i tb -w "$WORK/$name.pcap"
  start_capture "$name.pcapng" "$NSB" dumpcap -q -i tb -w "$WORK/$name.pcapng"
  sleep 0.5
  A "$PY" "$WORK/traffic.py" ping4 10.99.100.2 56
  A "$PY" "$WORK/traffic.py" ping6 fd00:99:100::2 56
  stop_captures
  stop_relays
done

# ------------------------------------------------------------------------------------------------
# Conversions

cd "$WORK"
# Raw IP and BSD loopback: the IPv4/IPv6 frames of the Ethernet recording without their Ethernet
# header (behind a 4-byte address family for loopback), timestamps kept, written by text2pcap.
for link in raw:101 null:0; do
  TOOL ip-hexdump eth.pcap "${link%%:*}" >"${link%%:*}.txt"
  TZ=UTC text2pcap -q -F pcap -l "${link#*:}" -t '%Y-%m-%d %H:%M:%S.%f' "${link%%:*}.txt" "${link%%:*}.pcap"
done
TOOL swap eth.pcap be.pcap
TOOL swap eth-nsec.pcap be-nsec.pcap
TOOL swap eth.pcapng be.pcapng
TOOL spb eth-snap128.pcapng spb.pcapng
cat vlan.pcapng qinq.pcapng >multi-section.pcapng
TOOL swap qinq.pcapng qinq-be.pcapng
cat vlan.pcapng qinq-be.pcapng >multi-section-mixed-endian.pcapng
gzip -9 -n -c eth.pcap >eth.pcap.gz
gzip -9 -n -c eth.pcapng >eth.pcapng.gz
for pair in eth.pcap:be.pcap eth-nsec.pcap:be-nsec.pcap eth.pcapng:be.pcapng qinq.pcapng:qinq-be.pcapng; do
  TOOL same-in-tshark "${pair%%:*}" "${pair#*:}"
done
cd - >/dev/null

FIXTURES=(eth.pcap eth-nsec.pcap eth.pcapng eth-snap128.pcapng sll.pcap sll2.pcap raw.pcap null.pcap
  vlan.pcap qinq.pcap be.pcap be-nsec.pcap be.pcapng spb.pcapng multi-section.pcapng
  multi-section-mixed-endian.pcapng eth.pcap.gz eth.pcapng.gz)
rm -f "$OUT"/*.pcap "$OUT"/*.pcapng "$OUT"/*.gz "$OUT/expected.json"
for f in "${FIXTURES[@]}"; do
  tshark -r "$WORK/$f" >/dev/null 2>&1 || die "tshark cannot read $f"
  cp "$WORK/$f" "$OUT/$f"
done
chmod 644 "$OUT"/*
echo "tshark packet counts:"
TOOL expected "$OUT" "${FIXTURES[@]}"
du -cb "$OUT"/* | tail -1 | awk '{print "total " $1 " bytes"}'
