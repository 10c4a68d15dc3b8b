#!/usr/bin/env bash
# Records the decoder's test captures in test/fixtures/decode/ and, for each, what tshark decodes
# in it (<name>.tsv, the fields listed in tshark-fields.txt), so the tests compare against tshark
# even where tshark is not installed.
#
# Everything happens between two network namespaces this script creates (vigil-fxA, vigil-fxB)
# joined by a veth pair, addresses 10.98.0.0/24 and fd98::/64; no packet leaves them. Needs root,
# iproute2, tcpdump, tshark and python3 (standard library only).
#
# Traffic comes from the kernel wherever the kernel can make it: fragments, record-route options,
# hop-by-hop and destination options, MLD, neighbour discovery, ARP, TCP. Frames the kernel of this
# machine cannot send (no 8021q, ip_gre or ipip modules) are built by python and sent through an
# AF_PACKET socket on the veth: 802.1Q and QinQ tags around IPv4/IPv6/ARP, and GRE, GRE with key and
# sequence, IP-in-IP, IPv6-in-IPv4 and ERSPAN II around the real packets of tcp.pcap.
#
# Usage: sudo scripts/make-decode-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/decode
FIELDS_FILE=$OUT/tshark-fields.txt
NSA=vigil-fxA
NSB=vigil-fxB
WORK=$(mktemp -d)
CAPTURE_PID=
CAPTURE_NAME=

cleanup() {
  if [[ -n "$CAPTURE_PID" ]]; then kill "$CAPTURE_PID" 2>/dev/null || true; fi
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in ip tcpdump tshark python3; do
  command -v "$tool" >/dev/null || { echo "make-decode-fixtures: $tool is required" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "make-decode-fixtures: run as root (network namespaces)" >&2; exit 1; }
mkdir -p "$OUT"

A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }

ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
ip link add vfxA type veth peer name vfxB
ip link set vfxA netns "$NSA"
ip link set vfxB netns "$NSB"
# Fixed MACs so the captures are reproducible in what matters.
A ip link set vfxA address 02:98:00:00:00:01
B ip link set vfxB address 02:98:00:00:00:02
A ip link set lo up
B ip link set lo up
A ip addr add 10.98.0.1/24 dev vfxA
B ip addr add 10.98.0.2/24 dev vfxB
A ip -6 addr add fd98::1/64 dev vfxA nodad
B ip -6 addr add fd98::2/64 dev vfxB nodad
A ip link set vfxA up
B ip link set vfxB up
sleep 1

cat >"$WORK/gen.py" <<'PY'
import socket, struct, sys, time

A4, B4 = '10.98.0.1', '10.98.0.2'
A6, B6 = 'fd98::1', 'fd98::2'
MAC_A = bytes.fromhex('029800000001')
MAC_B = bytes.fromhex('029800000002')

def csum(data):
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ipv4(src, dst, proto, payload, ident=0x1234, ttl=64):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def udp4(src, dst, sport, dport, data):
    u = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 17, len(u))
    return u[:6] + struct.pack('!H', csum(pseudo + u)) + u[8:]

def udp6(src, dst, sport, dport, data):
    u = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + struct.pack('!IxxxB', len(u), 17)
    return u[:6] + struct.pack('!H', csum(pseudo + u)) + u[8:]

def ipv6(src, dst, nxt, payload, hlim=64):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nxt, hlim,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + payload

def eth(dst, src, etype, payload):
    return dst + src + struct.pack('!H', etype) + payload

def vlan(tpid, vid, etype, payload, pcp=0):
    return struct.pack('!HHH', tpid, (pcp << 13) | vid, etype) + payload

def packet_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    return s

def read_pcap(path):
    """(linktype, [frame bytes]) of a classic little-endian pcap as tcpdump writes it."""
    data = open(path, 'rb').read()
    magic, = struct.unpack('<I', data[:4])
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), hex(magic)
    linktype, = struct.unpack('<I', data[20:24])
    frames, pos = [], 24
    while pos + 16 <= len(data):
        _, _, caplen, _ = struct.unpack('<IIII', data[pos:pos + 16])
        frames.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return linktype, frames

def icmp_echo(family, dst, size, ident=0x5647, seq=1, options=None):
    if family == socket.AF_INET:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        if options: s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, options)
        body = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + bytes((i & 0xff for i in range(size)))
        body = body[:2] + struct.pack('!H', csum(body)) + body[4:]
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        # The kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets.
        body = struct.pack('!BBHHH', 128, 0, 0, ident, seq) + bytes((i & 0xff for i in range(size)))
    s.sendto(body, (dst, 0))
    s.settimeout(2)
    try: s.recv(65535)
    except socket.timeout: pass
    s.close()

def udp_send(family, dst, port, data, sockopts=()):
    s = socket.socket(family, socket.SOCK_DGRAM)
    for level, name, value in sockopts: s.setsockopt(level, name, value)
    s.sendto(data, (dst, port))
    s.close()

def tcp_serve(srv):
    conn, _ = srv.accept()
    got = b''
    while not got.endswith(b'QUIT\r\n'):
        chunk = conn.recv(4096)
        if not chunk: break
        got += chunk
    conn.sendall(b'220 vigil fixture server\r\n' + b'x' * 300 + b'\r\n')
    time.sleep(0.2)
    conn.close()
    srv.close()

def scenario(name):
    if name == 'ipv4-frag':
        # 4000-byte ICMP echo and UDP datagram over a 1500-byte MTU: three fragments each, and
        # the reply comes back fragmented too.
        icmp_echo(socket.AF_INET, B4, 4000)
        udp_send(socket.AF_INET, B4, 5001, bytes(range(256)) * 15 + b'end')
    elif name == 'ipv6-frag':
        icmp_echo(socket.AF_INET6, B6, 4000)
        udp_send(socket.AF_INET6, B6, 5001, bytes(range(256)) * 15 + b'end')
    elif name == 'ipv4-options':
        # Record route: type 7, length 39, pointer 4, nine empty slots, then end of options.
        rr = bytes([7, 39, 4]) + bytes(36) + bytes([0])
        icmp_echo(socket.AF_INET, B4, 56, options=rr)
        # Router alert (RFC 2113) then NOP padding, on a UDP datagram.
        udp_send(socket.AF_INET, B4, 5002, b'options', [(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([0x94, 4, 0, 0]))])
    elif name == 'ipv6-ext':
        # Hop-by-hop options (PadN) and destination options (PadN) set through the socket API.
        hbh = bytes([0, 0, 1, 4, 0, 0, 0, 0])
        dst = bytes([0, 1, 1, 12]) + bytes(12)
        udp_send(socket.AF_INET6, B6, 5003, b'hop-by-hop', [(socket.IPPROTO_IPV6, 54, hbh)])
        udp_send(socket.AF_INET6, B6, 5003, b'destination', [(socket.IPPROTO_IPV6, 59, dst)])
        udp_send(socket.AF_INET6, B6, 5003, b'both', [(socket.IPPROTO_IPV6, 54, hbh), (socket.IPPROTO_IPV6, 59, dst)])
        # Joining a group sends an MLDv2 report, which carries a hop-by-hop router alert.
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        mreq = socket.inet_pton(socket.AF_INET6, 'ff12::9898') + struct.pack('@I', socket.if_nametoindex('vfxA'))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        time.sleep(1.5)
        s.close()
    elif name == 'ndp':
        # The first packet to fd98::2 resolves it: NS with a source link-layer option, NA with a
        # target link-layer option. Then B's reply resolves A the same way unless already known.
        udp_send(socket.AF_INET6, B6, 5004, b'resolve me')
        time.sleep(0.5)
    elif name == 'arp-probe':
        # An RFC 5227 probe: sender IP 0.0.0.0, asks who has 10.98.0.77; claims nothing.
        s = packet_socket('vfxA')
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, MAC_A, bytes(4), bytes(6), socket.inet_aton('10.98.0.77'))
        s.send(eth(b'\xff' * 6, MAC_A, 0x0806, arp))
        # A gratuitous ARP reply for 10.98.0.1.
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, MAC_A, socket.inet_aton(A4), b'\xff' * 6, socket.inet_aton(A4))
        s.send(eth(b'\xff' * 6, MAC_A, 0x0806, arp))
    elif name == 'vlan':
        s = packet_socket('vfxA')
        u = udp4('10.98.10.1', '10.98.10.2', 40000, 5005, b'tagged 802.1Q')
        s.send(eth(MAC_B, MAC_A, 0x8100, vlan(0x8100, 10, 0x0800, ipv4('10.98.10.1', '10.98.10.2', 17, u, ttl=63))[2:]))
        u = udp6('fd98:10::1', 'fd98:10::2', 40001, 5005, b'tagged IPv6')
        s.send(eth(MAC_B, MAC_A, 0x8100, vlan(0x8100, 11, 0x86dd, ipv6('fd98:10::1', 'fd98:10::2', 17, u, hlim=62), pcp=5)[2:]))
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, MAC_A, socket.inet_aton('10.98.12.1'), bytes(6), socket.inet_aton('10.98.12.2'))
        s.send(eth(b'\xff' * 6, MAC_A, 0x8100, vlan(0x8100, 12, 0x0806, arp)[2:]))
        # QinQ: 802.1ad service tag 100 around customer tag 20; and the old 0x9100 outer TPID.
        u = udp4('10.98.20.1', '10.98.20.2', 40002, 5006, b'double tagged')
        inner = vlan(0x8100, 20, 0x0800, ipv4('10.98.20.1', '10.98.20.2', 17, u, ttl=61))
        s.send(eth(MAC_B, MAC_A, 0x88a8, vlan(0x88a8, 100, 0x8100, inner[2:])[2:]))
        u = udp4('10.98.30.1', '10.98.30.2', 40003, 5007, b'old qinq tpid')
        inner = vlan(0x8100, 30, 0x0800, ipv4('10.98.30.1', '10.98.30.2', 17, u, ttl=60))
        s.send(eth(MAC_B, MAC_A, 0x9100, vlan(0x9100, 200, 0x8100, inner[2:])[2:]))
    elif name == 'tunnels':
        # Wrap the real frames of tcp.pcap (recorded first) in the encapsulations the kernel here
        # cannot make. Outer header 10.98.0.1 -> 10.98.0.2.
        _, frames = read_pcap(sys.argv[2])
        v4 = [f[14:] for f in frames if f[12:14] == b'\x08\x00' and f[23] == 6][:4]
        v6 = [f[14:] for f in frames if f[12:14] == b'\x86\xdd' and f[20] == 6][:3]
        s = packet_socket('vfxA')
        ident = 0x4000
        def send(proto, payload):
            nonlocal ident
            ident += 1
            s.send(eth(MAC_B, MAC_A, 0x0800, ipv4(A4, B4, proto, payload, ident=ident, ttl=64)))
        for p in v4[:2]: send(47, struct.pack('!HH', 0, 0x0800) + p)                # GRE, no options
        for i, p in enumerate(v4[2:4]):                                               # GRE key + sequence
            send(47, struct.pack('!HHII', 0x3000, 0x0800, 0x9898, i + 1) + p)
        for p in v4[:2]: send(4, p)                                                   # IP-in-IP
        for p in v6[:2]: send(41, p)                                                  # IPv6-in-IPv4
        for p in v6[2:3]: send(47, struct.pack('!HH', 0, 0x86dd) + p)                 # GRE carrying IPv6
        for i, f in enumerate(frames[:2]):                                            # ERSPAN II (GRE seq)
            if f[12:14] not in (b'\x08\x00', b'\x86\xdd'): continue
            erspan = struct.pack('!HHI', 0x1000 | 0, 0x0000 | 7, 0)                   # version 1, vlan 0, session 7
            send(47, struct.pack('!HHI', 0x1000, 0x88be, i + 1) + erspan + f)
        # IP-in-IP inside GRE: two tunnels deep.
        send(47, struct.pack('!HH', 0, 0x0800) + ipv4('10.98.40.1', '10.98.40.2', 4, v4[0], ident=7))
    elif name == 'tcp':
        for family, srv, port in ((socket.AF_INET, B4, 8080), (socket.AF_INET6, B6, 8443)):
            # The server runs in namespace B, started by the shell as `gen.py serve`.
            c = socket.socket(family, socket.SOCK_STREAM)
            c.connect((srv, port))
            c.sendall(b'HELO vigil\r\n')
            time.sleep(0.1)
            c.sendall(b'DATA ' + b'y' * 100 + b'\r\nQUIT\r\n')
            got = b''
            while True:
                chunk = c.recv(4096)
                if not chunk: break
                got += chunk
            c.close()
            time.sleep(0.2)
        # A connection to a closed port is refused with a RST.
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try: c.connect((B4, 9))
        except ConnectionRefusedError: pass
        c.close()
    elif name == 'serve':
        # Both listeners first, so the client is never refused (the shell waits for them).
        servers = []
        for family, addr, port in ((socket.AF_INET, B4, 8080), (socket.AF_INET6, B6, 8443)):
            srv = socket.socket(family, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((addr, port))
            srv.listen(1)
            servers.append(srv)
        for srv in servers: tcp_serve(srv)
    else:
        raise SystemExit('unknown scenario ' + name)

scenario(sys.argv[1])
PY

# capture NAME FILTER: start tcpdump in B on vfxB, writing $OUT/NAME.pcap.
capture_start() {
  local name=$1 filter=$2
  CAPTURE_NAME=$name
  rm -f "$OUT/$name.pcap"
  # Not through the B function: $! must be tcpdump itself (ip netns exec execs it) for the kill below.
  ip netns exec "$NSB" tcpdump -Z root -i vfxB --immediate-mode -U -s 65535 -w "$OUT/$name.pcap" "$filter" 2>"$WORK/$name.tcpdump.log" &
  CAPTURE_PID=$!
  for _ in $(seq 50); do grep -q 'listening on' "$WORK/$name.tcpdump.log" && break; sleep 0.1; done
}
capture_stop() {
  # Immediate mode (above) and a pause: packets still in the capture ring when tcpdump is
  # interrupted would be lost.
  sleep 1
  kill -INT "$CAPTURE_PID"
  wait "$CAPTURE_PID" || true
  CAPTURE_PID=
  sed -n "s/^\([0-9]* packets dropped by kernel\)/  $CAPTURE_NAME: \1/p" "$WORK/$CAPTURE_NAME.tcpdump.log" >&2
}
forget_neighbours() {
  A ip neigh flush dev vfxA
  B ip neigh flush dev vfxB
}
gen() { A python3 "$WORK/gen.py" "$@"; }

# TCP first: the tunnel scenario wraps its frames.
forget_neighbours
capture_start tcp 'tcp'
ip netns exec "$NSB" python3 "$WORK/gen.py" serve &
SERVER_PID=$!
for _ in $(seq 50); do
  [[ $(B ss -Hltn '( sport = :8080 or sport = :8443 )' | wc -l) -eq 2 ]] && break
  sleep 0.1
done
gen tcp
wait "$SERVER_PID"
capture_stop

capture_start ipv4-frag 'ip and (icmp or udp or (ip[6:2] & 0x3fff != 0))'
gen ipv4-frag
capture_stop

capture_start ipv6-frag 'ip6 and not icmp6[0] >= 133'
gen ipv6-frag
capture_stop

capture_start ipv4-options 'ip and (icmp or udp)'
gen ipv4-options
capture_stop

capture_start ipv6-ext 'ip6 and not (ip6[6] = 58 and ip6[40] >= 133 and ip6[40] <= 137)'
gen ipv6-ext
capture_stop

forget_neighbours
capture_start ndp 'icmp6 and ip6[40] >= 135 and ip6[40] <= 136'
gen ndp
# A new tentative address on A: duplicate address detection sends an NS from the unspecified address.
A ip -6 addr add fd98::99/64 dev vfxA
sleep 2.5
capture_stop

forget_neighbours
capture_start arp 'arp'
A python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'resolve', ('10.98.0.2', 5008))"
sleep 0.3
gen arp-probe
capture_stop

capture_start vlan 'vlan or ether proto 0x88a8 or ether proto 0x9100'
gen vlan
capture_stop

capture_start tunnels 'ip proto 47 or ip proto 4 or ip proto 41'
gen tunnels "$OUT/tcp.pcap"
capture_stop

# What tshark makes of each frame: one line per frame, fields in tshark-fields.txt order,
# every occurrence (outer and inner headers) joined by commas.
mapfile -t FIELDS < <(grep -v '^#' "$FIELDS_FILE" | sed '/^$/d')
args=()
for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
# The tests re-run tshark only when it is this version: another may print fields differently.
tshark -v 2>/dev/null | head -1 | grep -o 'TShark (Wireshark) [0-9.]*' >"$OUT/tshark-version.txt"
for pcap in "$OUT"/*.pcap; do
  tshark -r "$pcap" -o ip.defragment:TRUE -o ipv6.defragment:TRUE -o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" >"${pcap%.pcap}.tsv"
  printf '%-22s %3d frames\n' "$(basename "$pcap")" "$(wc -l <"${pcap%.pcap}.tsv")"
done
