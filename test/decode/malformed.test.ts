import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, SUPPORTED_LINK_TYPES } from '../../src/capture/link-type.js';
import { DecodeErrors } from '../../src/decode/decode-errors.js';
import { L3_IPV4, L3_IPV6, type DecodedPacket } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { ethernet, gre, ipv4, ipv6, tagged, tcp, udp } from './build.js';
import { FIXTURES, fixtureFrames, randInt, rng, type FixtureName } from './fixtures.js';
import { snapshot, type Snapshot } from './snapshot.js';

const KNOWN_LAYERS = new Set([
  'link', 'ethernet', 'vlan', 'pppoe', 'mpls', 'raw', 'loopback', 'sll', 'sll2',
  'ipv4', 'ipv6', 'tunnel', 'gre', 'erspan', 'arp', 'tcp', 'udp', 'icmp', 'icmpv6',
]);

function decodeOnce(frame: Buffer, caplen = frame.length, decoder = new PacketDecoder()): { p: DecodedPacket; errors: Record<string, Record<string, number>> } {
  const p = decoder.decodeFrame(frame, 0, caplen, frame.length, LINKTYPE_ETHERNET, 1000);
  return { p, errors: decoder.errors.toJSON() };
}

// ---------------------------------------------------------------------------------------------
// Where each header of a frame lies, worked out here independently of the decoder, with the
// (layer, reason) the decoder must count when the capture stops inside it.

interface Region {
  start: number;
  end: number;
  layer: string;
  reason: string;
}

function layout(f: Buffer): Region[] {
  const out: Region[] = [];
  const add = (start: number, end: number, layer: string, reason: string) => {
    if (end > start) out.push({ start, end, layer, reason });
  };
  add(0, 14, 'ethernet', 'truncated header');
  let type = f.readUInt16BE(12);
  let pos = 14;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    add(pos, pos + 4, 'vlan', 'truncated tag');
    type = f.readUInt16BE(pos + 2);
    pos += 4;
  }
  if (type === 0x0806) {
    add(pos, pos + 8, 'arp', 'truncated header');
    add(pos + 8, pos + 8 + 2 * (f[pos + 4] + f[pos + 5]), 'arp', 'truncated addresses');
  } else ip(type, pos);
  return out;

  function ip(etherType: number, at: number): void {
    if (etherType === 0x0800) {
      add(at, at + 20, 'ipv4', 'truncated header');
      const ihl = (f[at] & 15) * 4;
      add(at + 20, at + ihl, 'ipv4', 'truncated options');
      const total = f.readUInt16BE(at + 2);
      const frag = f.readUInt16BE(at + 6);
      if (frag & 0x3fff) return add(at + ihl, at + total, 'ipv4', 'fragment cut by snaplen');
      return upper(f[at + 9], at + ihl);
    }
    add(at, at + 40, 'ipv6', 'truncated header');
    const plen = f.readUInt16BE(at + 4);
    let next = f[at + 6];
    let p = at + 40;
    for (;;) {
      if (next === 0 || next === 60 || next === 43) {
        const len = (f[p + 1] + 1) * 8;
        add(p, p + 8, 'ipv6', 'truncated extension header');
        next = f[p];
        // Inside the rest of an extension header: what is counted depends on what follows.
        const reason = next === 44 ? 'truncated fragment header' : next === 0 || next === 60 || next === 43 ? 'truncated extension header' : 'extension headers run past the packet';
        add(p + 8, p + len, 'ipv6', reason);
        p += len;
        continue;
      }
      if (next === 44) {
        add(p, p + 8, 'ipv6', 'truncated fragment header');
        const field = f.readUInt16BE(p + 2);
        if (field & 0xfff9) return add(p + 8, at + 40 + plen, 'ipv6', 'fragment cut by snaplen');
        next = f[p];
        p += 8;
        continue;
      }
      return upper(next, p);
    }
  }

  function upper(proto: number, at: number): void {
    switch (proto) {
      case 6:
        add(at, at + 20, 'tcp', 'truncated header');
        return add(at + 20, at + (f[at + 12] >> 4) * 4, 'tcp', 'options run past the captured packet');
      case 17:
        return add(at, at + 8, 'udp', 'truncated header');
      case 1:
        return add(at, at + 4, 'icmp', 'truncated header');
      case 58:
        return add(at, at + 4, 'icmpv6', 'truncated header');
      case 4:
        return ip(0x0800, at);
      case 41:
        return ip(0x86dd, at);
      case 47: {
        const flags = f[at];
        const optLen = (flags & 0xc0 ? 4 : 0) + (flags & 0x20 ? 4 : 0) + (flags & 0x10 ? 4 : 0);
        add(at, at + 4 + optLen, 'gre', 'truncated header');
        const protocol = f.readUInt16BE(at + 2);
        const inner = at + 4 + optLen;
        if (protocol === 0x88be) {
          add(inner, inner + 8, 'erspan', 'truncated header');
          // The mirrored frame is decoded like a captured one.
          for (const r of layout(f.subarray(inner + 8))) add(r.start + inner + 8, r.end + inner + 8, r.layer, r.reason);
          return;
        }
        return ip(protocol, inner);
      }
    }
  }
}

function regionAt(regions: Region[], cut: number): Region | null {
  return regions.find((r) => cut >= r.start && cut < r.end) ?? null;
}

/** Fields that must not change when only payload bytes are cut away. */
function headerFields(s: Snapshot): Partial<Snapshot> {
  const { payloadLength: _p, reassembled: _r, ...rest } = s;
  if (rest.ipProto !== 6) {
    rest.tcpSeq = rest.tcpAck = rest.tcpWindow = 0;
  }
  return rest;
}

describe('a frame cut at every length', () => {
  for (const name of FIXTURES) {
    it(`${name}.pcap: counts the header it stops in, by layer and reason, and never throws`, () => {
      const frames = fixtureFrames(name);
      let checked = 0;
      for (const frame of frames) {
        const f = frame.data;
        const regions = layout(f);
        const full = snapshot(decodeOnce(f).p);
        const headersEnd = Math.max(...regions.map((r) => r.end));
        for (let cut = 0; cut <= f.length; cut++) {
          const { p, errors } = decodeOnce(f, cut);
          const region = regionAt(regions, cut);
          const where = `${name} frame ${frame.number} cut at ${cut} of ${f.length}`;
          if (region) expect(errors, where).toEqual({ [region.layer]: { [region.reason]: 1 } });
          else expect(errors, where).toEqual({});
          if (cut >= headersEnd && !full.fragment) {
            // Only payload was lost: every header field is as in the whole frame.
            const s = snapshot(p);
            if (full.icmpType === 135 || full.icmpType === 136) {
              // Neighbour discovery: the link-layer option ends the frame, so any cut loses it.
              expect(s.bind, where).toEqual(cut === f.length ? full.bind : null);
              expect({ ...headerFields(s), bind: null }, where).toEqual({ ...headerFields(full), bind: null });
            } else expect(headerFields(s), where).toEqual(headerFields(full));
            expect(s.payloadLength, where).toBe(Math.max(0, full.payloadLength - (f.length - cut)));
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(frames.length * 40);
    });
  }

  it('the layout above agrees with the decoder on the regions it names', () => {
    // A check of the test itself: the IPv4 record-route echo has 40 bytes of options; the
    // hop-by-hop (8 bytes) then destination options (16 bytes) datagram has these regions.
    const [echo] = fixtureFrames('ipv4-options');
    const regions = layout(echo.data);
    expect(regions.find((r) => r.reason === 'truncated options')).toMatchObject({ start: 34, end: 74 });
    const [, , , both] = fixtureFrames('ipv6-ext');
    expect(layout(both.data).filter((r) => r.layer === 'ipv6').map((r) => r.reason)).toEqual([
      'truncated header',
      'truncated extension header',
      'truncated extension header',
      'extension headers run past the packet',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

/** The first broken invariant of a decoded packet, or null (cheap: runs on every mutant). */
function brokenInvariant(p: DecodedPacket): string | null {
  if (p.payloadLength < 0) return `negative payload length ${p.payloadLength}`;
  if (p.payloadOffset < 0 || p.payloadOffset + p.payloadLength > p.buf.length) return `payload [${p.payloadOffset}, +${p.payloadLength}) outside a ${p.buf.length}-byte buffer`;
  if (p.l3 === L3_IPV4 || p.l3 === L3_IPV6) {
    if (p.addrLength !== (p.l3 === L3_IPV4 ? 4 : 16)) return `address length ${p.addrLength} for l3 ${p.l3}`;
    if (p.srcAddrOffset < 0 || p.srcAddrOffset + p.addrLength > p.addrBuf.length) return 'source address outside its buffer';
    if (p.dstAddrOffset < 0 || p.dstAddrOffset + p.addrLength > p.addrBuf.length) return 'destination address outside its buffer';
  }
  if (p.srcMacOffset >= 0 && p.srcMacOffset + 6 > p.frame.length) return 'source MAC outside the frame';
  if (p.dstMacOffset >= 0 && p.dstMacOffset + 6 > p.frame.length) return 'destination MAC outside the frame';
  if (p.bindMacOffset >= 0 && (p.bindMacOffset + 6 > p.bindBuf.length || p.bindIpOffset < 0 || p.bindIpOffset + p.bindIpLength > p.bindBuf.length))
    return 'MAC-IP binding outside its buffer';
  if (p.srcPort < 0 || p.srcPort > 0xffff || p.dstPort < 0 || p.dstPort > 0xffff) return `ports ${p.srcPort} ${p.dstPort}`;
  if (p.tcpFlags > 0x1ff) return `TCP flags ${p.tcpFlags}`;
  if (p.fragment && (p.srcPort !== 0 || p.dstPort !== 0)) return 'a fragment with ports';
  return null;
}

function checkInvariants(p: DecodedPacket, where: string): void {
  const broken = brokenInvariant(p);
  if (broken) expect.fail(`${where}: ${broken}`);
}

function checkErrors(errors: DecodeErrors, where: string): void {
  const json = errors.toJSON();
  let sum = 0;
  for (const [layer, reasons] of Object.entries(json)) {
    expect(KNOWN_LAYERS.has(layer), `${where}: unknown layer ${layer}`).toBe(true);
    for (const [reason, n] of Object.entries(reasons)) {
      expect(reason.length, where).toBeGreaterThan(3);
      sum += n;
    }
  }
  expect(sum, where).toBe(errors.total);
}

/** The fields a packet's own bytes determine (stale TCP fields of non-TCP packets aside). */
function ownFields(s: Snapshot): Snapshot {
  return s.ipProto === 6 && s.srcPort + s.dstPort > 0 ? s : { ...s, tcpSeq: 0, tcpAck: 0, tcpWindow: 0 };
}

describe('random mutations of every fixture frame', () => {
  for (const [k, name] of FIXTURES.entries()) {
    it(`${name}.pcap: never throw, keep offsets inside the buffers, count errors in known layers`, () => {
      const r = rng(0x5eed + k);
      // Small reassembly limits so the mutants also run the bounds.
      const decoder = new PacketDecoder(new DecodeErrors(), { maxDatagrams: 8, maxBytes: 16 * 1024, timeoutS: 30 });
      const frames = fixtureFrames(name);
      let ts = 1000;
      for (let round = 0; round < 400; round++) {
        for (const frame of frames) {
          const m = Buffer.from(frame.data);
          const kind = randInt(r, 4);
          const n = 1 + randInt(r, 4);
          for (let i = 0; i < n; i++) {
            // Mostly in the headers, where the decoder makes decisions.
            const at = kind === 0 ? randInt(r, m.length) : randInt(r, Math.min(m.length, 120));
            m[at] = kind === 2 ? [0, 0xff, 1, 0x80][randInt(r, 4)] : randInt(r, 256);
          }
          const caplen = kind === 3 ? randInt(r, m.length + 1) : m.length;
          ts += r() * 3;
          const where = `${name} round ${round} frame ${frame.number}`;
          let p: DecodedPacket;
          try {
            p = decoder.decodeFrame(m, 0, caplen, m.length, LINKTYPE_ETHERNET, ts);
          } catch (err) {
            throw new Error(`${where}: threw ${String(err)} on ${m.subarray(0, Math.min(caplen, 96)).toString('hex')}…`);
          }
          checkInvariants(p, where);
          // The reused packet carries nothing over from the mutant into the next frame.
          if (!frame.data.equals(m) && randInt(r, 8) === 0) {
            const original = frame.data;
            const again = ownFields(snapshot(decoder.decodeFrame(original, 0, original.length, original.length, LINKTYPE_ETHERNET, ts)));
            const fresh = ownFields(snapshot(new PacketDecoder().decodeFrame(original, 0, original.length, original.length, LINKTYPE_ETHERNET, ts)));
            if (!fresh.fragment && !again.reassembled) expect(again, where).toEqual(fresh);
          }
        }
      }
      checkErrors(decoder.errors, name);
      expect(decoder.errors.total).toBeGreaterThan(0);
    });
  }

  it('random bytes under every supported link type never throw', () => {
    const r = rng(42);
    const decoder = new PacketDecoder();
    for (const linkType of [...SUPPORTED_LINK_TYPES.keys(), 999]) {
      for (let i = 0; i < 3000; i++) {
        const len = randInt(r, 120);
        const m = Buffer.alloc(len);
        for (let j = 0; j < len; j++) m[j] = randInt(r, 256);
        // Give the interesting first bytes plausible values half of the time.
        if (len > 14 && r() < 0.5) m.writeUInt16BE([0x0800, 0x86dd, 0x8100, 0x88a8, 0x8864, 0x8847, 0x0806][randInt(r, 7)], 12);
        if (len > 0 && r() < 0.5) m[0] = [0x45, 0x60, 0x46, 0x4f][randInt(r, 4)];
        const p = decoder.decodeFrame(m, 0, len, len, linkType, i);
        checkInvariants(p, `link type ${linkType} #${i}`);
      }
    }
    checkErrors(decoder.errors, 'random');
    expect(decoder.errors.toJSON().link).toEqual({ 'unsupported link type 999': 3000 });
  });
});

// ---------------------------------------------------------------------------------------------

describe('malformed headers are counted by layer and reason', () => {
  const udpFrame = () => ethernet(0x0800, ipv4(udp(40000, 53, Buffer.from('query'))));
  const cases: [string, () => Buffer, string, string][] = [
    ['IPv4 version 5', () => { const f = udpFrame(); f[14] = 0x55; return f; }, 'ipv4', 'version is not 4'],
    ['IPv4 header length 16', () => { const f = udpFrame(); f[14] = 0x44; return f; }, 'ipv4', 'header length below 20'],
    ['IPv4 total length 12', () => { const f = udpFrame(); f.writeUInt16BE(12, 16); return f; }, 'ipv4', 'total length below header length'],
    ['IPv6 version 4', () => { const f = ethernet(0x86dd, ipv6(udp(1, 2, Buffer.alloc(4)))); f[14] = 0x40; return f; }, 'ipv6', 'version is not 6'],
    ['UDP length 4', () => { const f = udpFrame(); f.writeUInt16BE(4, 38); return f; }, 'udp', 'length below 8'],
    ['TCP data offset 16', () => { const f = ethernet(0x0800, ipv4(tcp(1, 2, 3, 4, 0x02), { proto: 6 })); f[46] = 0x40; return f; }, 'tcp', 'data offset below 20'],
    ['five stacked VLAN tags', () => tagged([[0x88a8, 1], [0x8100, 2], [0x8100, 3], [0x8100, 4], [0x8100, 5]], 0x0800, ipv4(udp(1, 2, Buffer.alloc(0)))), 'vlan', 'too many stacked tags'],
    ['GRE nested five deep', () => {
      let inner = ipv4(udp(1, 2, Buffer.alloc(0)));
      for (let i = 0; i < 5; i++) inner = ipv4(gre(0x0800, inner), { proto: 47 });
      return ethernet(0x0800, inner);
    }, 'tunnel', 'nested too deep'],
    ['seventeen IPv6 destination options headers', () => {
      const opts = Buffer.concat(Array.from({ length: 17 }, (_, i) => Buffer.from([i < 16 ? 60 : 17, 0, 1, 4, 0, 0, 0, 0])));
      return ethernet(0x86dd, ipv6(Buffer.concat([opts, udp(1, 2, Buffer.alloc(0))]), { next: 60 }));
    }, 'ipv6', 'too many extension headers'],
    ['IPv6 extension header longer than the packet', () => ethernet(0x86dd, ipv6(Buffer.from([17, 4, 1, 4, 0, 0, 0, 0]), { next: 60 })), 'ipv6', 'extension headers run past the packet'],
    ['ARP with 16-byte hardware addresses cut short', () => ethernet(0x0806, Buffer.from('000108001004000102030405060708090a0b0c0d0e0f', 'hex')), 'arp', 'truncated addresses'],
    ['GRE with a key but no room for it', () => ethernet(0x0800, ipv4(Buffer.from([0x20, 0, 0x08, 0, 1]), { proto: 47 })), 'gre', 'truncated header'],
    ['ERSPAN III header cut', () => ethernet(0x0800, ipv4(gre(0x22eb, Buffer.alloc(6)), { proto: 47 })), 'erspan', 'truncated header'],
  ];
  it.each(cases)('%s', (_name, build, layer, reason) => {
    const { p, errors } = decodeOnce(build());
    expect(errors).toEqual({ [layer]: { [reason]: 1 } });
    expect(p.srcPort).toBe(0);
  });

  it('a tunnel four deep still decodes to the innermost ports', () => {
    let inner = ipv4(udp(1111, 2222, Buffer.from('deep')), { src: '10.98.9.1', dst: '10.98.9.2' });
    for (let i = 0; i < 4; i++) inner = ipv4(gre(0x0800, inner), { proto: 47 });
    const { p, errors } = decodeOnce(ethernet(0x0800, inner));
    expect(errors).toEqual({});
    expect(snapshot(p)).toMatchObject({ src: '10.98.9.1', dst: '10.98.9.2', srcPort: 1111, dstPort: 2222, payloadLength: 4 });
  });

  it('an IPv6 atomic fragment (offset 0, no more) is not a fragment', () => {
    const frag = Buffer.concat([Buffer.from([17, 0, 0, 0, 0, 0, 0, 7]), udp(5, 6, Buffer.from('atomic'))]);
    const { p, errors } = decodeOnce(ethernet(0x86dd, ipv6(frag, { next: 44 })));
    expect(errors).toEqual({});
    expect(snapshot(p)).toMatchObject({ fragment: false, reassembled: false, ipProto: 17, srcPort: 5, dstPort: 6, payloadLength: 6 });
  });

  it('IPv4 total length 0 (segmentation offload) trusts the captured length', () => {
    const f = ethernet(0x0800, ipv4(tcp(80, 40000, 1, 2, 0x18, Buffer.from('offloaded')), { proto: 6 }));
    f.writeUInt16BE(0, 16);
    const { p, errors } = decodeOnce(f);
    expect(errors).toEqual({});
    expect(p.payloadLength).toBe(9);
  });

  it('Ethernet padding after a short IPv4 packet is not payload', () => {
    const f = Buffer.concat([ethernet(0x0800, ipv4(udp(1, 2, Buffer.from('ab')))), Buffer.alloc(14)]);
    const { p, errors } = decodeOnce(f);
    expect(errors).toEqual({});
    expect(p.payloadLength).toBe(2);
  });
});

describe('DecodeErrors', () => {
  it('counts by layer and reason, merges, and prints sorted', () => {
    const a = new DecodeErrors();
    a.count('udp', 'truncated header');
    a.count('ipv4', 'truncated options');
    a.count('ipv4', 'truncated header');
    a.count('ipv4', 'truncated header');
    const b = new DecodeErrors();
    b.count('ipv4', 'truncated header');
    b.count('arp', 'truncated addresses');
    a.merge(b);
    expect(a.total).toBe(6);
    expect(JSON.stringify(a.toJSON())).toBe(
      JSON.stringify({ arp: { 'truncated addresses': 1 }, ipv4: { 'truncated header': 3, 'truncated options': 1 }, udp: { 'truncated header': 1 } }),
    );
  });
});
