import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { FIXTURE_DIR, FIXTURES, fixtureFrames, TSHARK_ARGS, tsharkRows, tsharkTsv, type FixtureName, type TsharkRow } from './fixtures.js';
import { pick, snapshot, type Snapshot } from './snapshot.js';

// Each frame of the recorded captures is decoded in capture order (so fragments reassemble) and
// compared, field by field, with what tshark decoded in the same frame (the .tsv beside each
// capture, re-checked against the installed tshark below).

const L4_PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

/** What our decoder should report for a frame, from tshark's fields. */
function expectedFromTshark(row: TsharkRow): Partial<Snapshot> {
  const all = row.protocols;
  // We decode the packet itself, not the packet an ICMP error quotes: stop at the first ICMP.
  const icmpAt = all.findIndex((p) => p === 'icmp' || p === 'icmpv6');
  const chain = icmpAt >= 0 ? all.slice(0, icmpAt + 1) : all;
  const count = (name: string) => chain.filter((p) => p === name).length;

  const exp: Partial<Snapshot> = {};
  exp.srcMac = row.at('eth.src', count('eth') - 1) ?? null;
  exp.dstMac = row.at('eth.dst', count('eth') - 1) ?? null;

  // VLAN tags in wire order: 802.1ad service tags are tshark's ieee8021ad, the rest vlan.
  const tags: number[] = [];
  let nAd = 0;
  let nQ = 0;
  for (const p of chain) {
    if (p === 'ieee8021ad') tags.push(row.num('ieee8021ad.id', nAd++));
    else if (p === 'vlan') tags.push(row.num('vlan.id', nQ++));
  }
  exp.vlan = tags.length > 0 ? tags[tags.length - 1] : 0;
  exp.vlanOuter = tags.length >= 2 ? tags[0] : 0;

  const l3At = Math.max(chain.lastIndexOf('ip'), chain.lastIndexOf('ipv6'), chain.lastIndexOf('arp'));
  const l3 = l3At >= 0 ? chain[l3At] : 'none';
  exp.l3 = l3 === 'ip' ? 'ipv4' : l3;
  const l4Name = chain.slice(l3At + 1).find((p) => p in L4_PROTO);
  const bindNone = { bind: null, arpOp: 0 };

  if (l3 === 'arp') {
    exp.arpOp = row.num('arp.opcode');
    const spa = row.at('arp.src.proto_ipv4', 0)!;
    exp.bind = spa === '0.0.0.0' ? null : { mac: row.at('arp.src.hw_mac', 0)!, ip: spa };
    return exp;
  }
  if (l3 === 'none') return exp;

  Object.assign(exp, bindNone);
  const v4 = l3 === 'ip';
  const i = count(l3) - 1;
  exp.src = row.at(v4 ? 'ip.src' : 'ipv6.src', i)!;
  exp.dst = row.at(v4 ? 'ip.dst' : 'ipv6.dst', i)!;
  exp.ttl = row.num(v4 ? 'ip.ttl' : 'ipv6.hlim', i);
  let fragmented: boolean;
  if (v4) fragmented = row.at('ip.flags.mf', i) === '1' || row.at('ip.frag_offset', i) !== '0';
  else fragmented = chain.includes('ipv6.fraghdr') && (row.at('ipv6.fraghdr.more', 0) === '1' || row.at('ipv6.fraghdr.offset', 0) !== '0');
  exp.fragment = fragmented && !l4Name;
  exp.reassembled = fragmented && !!l4Name;
  if (l4Name) exp.ipProto = L4_PROTO[l4Name];
  else if (fragmented) exp.ipProto = v4 ? row.num('ip.proto', i) : row.num('ipv6.fraghdr.nxt');

  exp.srcPort = 0;
  exp.dstPort = 0;
  exp.tcpFlags = 0;
  exp.icmpType = -1;
  exp.icmpCode = -1;
  if (l4Name === 'tcp') {
    const t = count('tcp') - 1;
    exp.srcPort = row.num('tcp.srcport', t);
    exp.dstPort = row.num('tcp.dstport', t);
    exp.tcpFlags = parseInt(row.at('tcp.flags', t)!, 16) & 0x1ff;
    exp.tcpSeq = row.num('tcp.seq', t);
    exp.tcpAck = row.num('tcp.ack', t);
    exp.tcpWindow = row.num('tcp.window_size_value', t);
    exp.payloadLength = row.num('tcp.len', t);
  } else if (l4Name === 'udp') {
    exp.srcPort = row.num('udp.srcport', 0);
    exp.dstPort = row.num('udp.dstport', 0);
    exp.payloadLength = row.num('udp.length', 0) - 8;
  } else if (l4Name === 'icmp' || l4Name === 'icmpv6') {
    exp.icmpType = row.num(`${l4Name}.type`, 0);
    exp.icmpCode = row.num(`${l4Name}.code`, 0);
    // Echo: identifier and sequence (4 bytes) then tshark's data.
    if ([0, 8, 128, 129].includes(exp.icmpType)) exp.payloadLength = row.num('data.len', 0) + 4;
    if (l4Name === 'icmpv6') {
      const optTypes = row.all('icmpv6.opt.type');
      const mac = row.at('icmpv6.opt.linkaddr', 0);
      if (exp.icmpType === 135 && optTypes.includes('1') && exp.src !== '::') exp.bind = { mac: mac!, ip: exp.src };
      if (exp.icmpType === 136 && optTypes.includes('2')) exp.bind = { mac: mac!, ip: row.at('icmpv6.nd.na.target_address', 0)! };
    }
  }
  return exp;
}

interface Decoded {
  snap: Snapshot;
  payload: Buffer;
  errors: number;
}

function decodeFixture(name: FixtureName): { decoded: Decoded[]; decoder: PacketDecoder } {
  const decoder = new PacketDecoder();
  const decoded = fixtureFrames(name).map((f) => {
    const before = decoder.errors.total;
    const p = decoder.decodeFrame(f.data, 0, f.data.length, f.origLen, f.linkType, f.ts, f.number);
    return {
      snap: snapshot(p),
      payload: Buffer.from(p.buf.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)),
      errors: decoder.errors.total - before,
    };
  });
  return { decoded, decoder };
}

// The recorded fields are re-checked against the installed tshark when it is the version that
// recorded them (another version may legitimately print a field differently).
const tsharkVersion = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).stdout?.match(/TShark \(Wireshark\) [0-9.]+/)?.[0] ?? null;
const recordedVersion = readFileSync(`${FIXTURE_DIR}tshark-version.txt`, 'utf8').trim();
const haveTshark = tsharkVersion === recordedVersion;
if (!haveTshark) console.info(`decoder-tshark.test: ${tsharkVersion ?? 'tshark is not installed'}, the fixtures were recorded with ${recordedVersion}: using the recorded .tsv files only`);

describe.each(FIXTURES.map((n) => [n] as const))('%s.pcap against tshark', (name) => {
  const rows = tsharkRows(name);
  const { decoded, decoder } = decodeFixture(name);

  it('has one tshark row per frame', () => {
    expect(decoded.length).toBeGreaterThan(0);
    expect(rows.length).toBe(decoded.length);
  });

  it.each(rows.map((row, i) => [i + 1, row.all('frame.protocols')[0], row] as const))('frame %i (%s)', (n, _protocols, row) => {
    const exp = expectedFromTshark(row);
    const got = decoded[n - 1];
    expect(pick(got.snap, Object.keys(exp))).toEqual(exp);
    expect(got.errors).toBe(0);
  });

  it('counts no decode errors on real traffic', () => {
    expect(decoder.errors.toJSON()).toEqual({});
  });

  it.skipIf(!haveTshark)('recorded tshark fields match the installed tshark', () => {
    const out = execFileSync('tshark', ['-r', `${FIXTURE_DIR}${name}.pcap`, ...TSHARK_ARGS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toBe(tsharkTsv(name));
  });
});

// What the fixture script sent, to check reassembled payloads byte for byte.
const UDP_PATTERN = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(0)]);
const UDP_DATAGRAM = Buffer.concat([...Array.from({ length: 15 }, () => UDP_PATTERN), Buffer.from('end')]);
const ECHO_DATA = Buffer.from(Array.from({ length: 4000 }, (_, i) => i & 0xff));

describe('reassembled payloads', () => {
  for (const name of ['ipv4-frag', 'ipv6-frag'] as const) {
    it(`${name}: the completing frame carries the whole datagram, earlier fragments none`, () => {
      const { decoded } = decodeFixture(name);
      const reassembled = decoded.filter((d) => d.snap.reassembled);
      // Echo request, echo reply, UDP datagram.
      expect(reassembled.map((d) => d.snap.ipProto)).toEqual(name === 'ipv4-frag' ? [1, 1, 17] : [58, 58, 17]);
      for (const d of reassembled.slice(0, 2)) {
        expect(d.payload.length).toBe(4004);
        expect(d.payload.subarray(4).equals(ECHO_DATA)).toBe(true);
      }
      expect(reassembled[2].payload.equals(UDP_DATAGRAM)).toBe(true);
      expect(reassembled[2].snap.dstPort).toBe(5001);
      for (const d of decoded.filter((x) => x.snap.fragment)) {
        expect(d.snap.srcPort).toBe(0);
        expect(d.snap.dstPort).toBe(0);
        expect(d.snap.payloadLength).toBe(0);
      }
      expect(decoded.filter((d) => d.snap.fragment)).toHaveLength(6);
    });
  }

  it('reassembles the same datagrams when fragments arrive last first', () => {
    for (const name of ['ipv4-frag', 'ipv6-frag'] as const) {
      const frames = fixtureFrames(name);
      const decoder = new PacketDecoder();
      // The UDP datagram's three fragments (frames 7-9), reversed.
      const results = [frames[8], frames[7], frames[6]].map((f) => {
        const p = decoder.decodeFrame(f.data, 0, f.data.length, f.origLen, f.linkType, f.ts);
        return { snap: snapshot(p), payload: Buffer.from(p.buf.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)) };
      });
      expect(results.map((r) => [r.snap.fragment, r.snap.reassembled])).toEqual([
        [true, false],
        [true, false],
        [false, true],
      ]);
      expect(results[2].snap.dstPort).toBe(5001);
      expect(results[2].payload.equals(UDP_DATAGRAM)).toBe(true);
      expect(decoder.errors.total).toBe(0);
      expect(name === 'ipv4-frag' ? decoder.ipv4Fragments.inProgress : decoder.ipv6Fragments.inProgress).toBe(0);
    }
  });
});

describe('TCP payload bytes', () => {
  it('are the bytes the client and server wrote', () => {
    const { decoded } = decodeFixture('tcp');
    const data = decoded.filter((d) => d.snap.payloadLength > 0).map((d) => d.payload.toString('latin1'));
    const request = 'HELO vigil\r\n' + 'DATA ' + 'y'.repeat(100) + '\r\nQUIT\r\n';
    const reply = '220 vigil fixture server\r\n' + 'x'.repeat(300) + '\r\n';
    // IPv4 then IPv6: the same conversation.
    expect(data).toEqual([request.slice(0, 12), request.slice(12), reply, request.slice(0, 12), request.slice(12), reply]);
  });
});
