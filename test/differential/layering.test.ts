import { describe, expect, it } from 'vitest';
import { compareCapture } from './compare.js';
import { tsharkTuple, tupleText } from './layering.js';
import { parseTsharkOutput, type TsharkFrame } from './tshark.js';
import type { VigilCapture } from './vigil.js';

// The rule that picks, from tshark's multi-valued fields, the header Vigil reports; and the parser
// of tshark's output. Needs no tshark: lines are written the way `tshark -T fields -E occurrence=a
// -E aggregator=, -E separator=|` prints them.

const HEAD = '================================================================================';
const TABLES = [
  HEAD,
  'UDP Conversations',
  'Filter:<No Filter>',
  HEAD,
  HEAD,
  'TCP Conversations',
  'Filter:<No Filter>',
  '10.0.0.1:43090       <-> 10.0.0.2:8000              6 1118 bytes       6 506 bytes      12 1624 bytes     0.000000000         0.0013',
  HEAD,
].join('\n');

function frame(line: string): TsharkFrame {
  return parseTsharkOutput(`${line}\n${TABLES}\n`).frames[0];
}
const tuple = (line: string) => {
  const t = tsharkTuple(frame(line));
  return t && 'error' in t ? t.error : tupleText(t);
};

describe('which header of a tshark frame Vigil is compared with', () => {
  it('takes a plain TCP/IPv4 frame as it is', () => {
    expect(tuple('1|eth:ethertype:ip:tcp:http|10.0.0.1|10.0.0.2|||43090|80||')).toBe('10.0.0.1 > 10.0.0.2 tcp 43090 > 80');
  });

  it('takes IPv6 through its extension headers', () => {
    expect(tuple('1|eth:ethertype:ipv6:ipv6.hopopts:udp:dhcpv6|||fe80::1|ff02::1:2|||546|547')).toBe('fe80::1 > ff02::1:2 udp 546 > 547');
    expect(tuple('1|eth:ethertype:ipv6:ipv6.hopopts:icmpv6|||fe80::1|ff02::16||||')).toBe('fe80::1 > ff02::16');
  });

  it('reports the outer packet of an ICMP error, not the header it quotes', () => {
    expect(tuple('193|eth:ethertype:ip:icmp:ip:udp|192.168.2.17,192.168.2.1|192.168.2.1,192.168.2.17|||||53|63377')).toBe(
      '192.168.2.17 > 192.168.2.1',
    );
    expect(tuple('2|eth:ethertype:ipv6:icmpv6:ipv6:tcp|||2001:db8::1,2001:db8::2|2001:db8::2,2001:db8::3|443|50000||')).toBe(
      '2001:db8::1 > 2001:db8::2',
    );
  });

  it('reports the innermost header of IP-in-IP, 6in4 and GRE tunnels', () => {
    expect(tuple('1|eth:ethertype:ip:ipv6:udp:syslog|192.0.2.1|192.0.2.2|2001:db8::1|2001:db8::2|||514|514')).toBe(
      '2001:db8::1 > 2001:db8::2 udp 514 > 514',
    );
    expect(tuple('1|eth:ethertype:ip:ip:tcp|192.0.2.1,10.0.0.1|192.0.2.2,10.0.0.2|||1000|22||')).toBe('10.0.0.1 > 10.0.0.2 tcp 1000 > 22');
    expect(tuple('1|eth:ethertype:ip:gre:ip:udp:dns|192.0.2.1,10.0.0.1|192.0.2.2,10.0.0.2|||||5353|53')).toBe(
      '10.0.0.1 > 10.0.0.2 udp 5353 > 53',
    );
    expect(
      tuple('1|eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:tcp|192.0.2.1,10.0.0.1|192.0.2.2,10.0.0.2|||1000|443||'),
    ).toBe('10.0.0.1 > 10.0.0.2 tcp 1000 > 443');
  });

  it('inside a tunnel, still stops at an ICMP error', () => {
    expect(tuple('1|eth:ethertype:ip:ip:icmp:ip:udp|192.0.2.1,10.0.0.1,10.0.0.2|192.0.2.2,10.0.0.2,10.0.0.9|||||1|2')).toBe('10.0.0.1 > 10.0.0.2');
  });

  it('does not open UDP tunnels, which Vigil does not decode', () => {
    expect(tuple('1|eth:ethertype:ip:udp:teredo:ipv6:icmpv6|192.0.2.1|192.0.2.2|2001::1|2001::2|||3544|3544')).toBe(
      '192.0.2.1 > 192.0.2.2 udp 3544 > 3544',
    );
  });

  it('gives a fragment short of its datagram no ports, and frames without IP no tuple', () => {
    expect(tuple('1|eth:ethertype:ip:data|10.0.0.1|10.0.0.2||||||')).toBe('10.0.0.1 > 10.0.0.2');
    expect(tuple('1|eth:ethertype:arp||||||||')).toBe('(no IP)');
  });

  it('refuses to guess when the occurrences do not line up with the layers', () => {
    expect(tuple('1|eth:ethertype:ip:icmp:ip:udp|10.0.0.1|10.0.0.2||||||')).toMatch(/2 ip layers but 1 source/);
  });
});

describe('the comparison', () => {
  const tshark = parseTsharkOutput(
    [
      '1|eth:ethertype:ip:tcp|10.0.0.1|10.0.0.2|||43090|8000||',
      '2|eth:ethertype:ip:tcp|10.0.0.2|10.0.0.1|||8000|43090||',
      '3|eth:ethertype:arp||||||||',
      TABLES.replace(' 12 1624 bytes', ' 2 1624 bytes'),
    ].join('\n'),
  );
  const tcp = (src: string, dst: string, sp: number, dp: number) => ({ src, dst, l4: 'tcp' as const, srcPort: sp, dstPort: dp });
  const vigil = (): VigilCapture => ({
    frames: [tcp('10.0.0.1', '10.0.0.2', 43090, 8000), tcp('10.0.0.2', '10.0.0.1', 8000, 43090), null],
    packets: 3,
    damage: null,
    flows: [{ proto: 'tcp', vlan: 0, a: '10.0.0.1:43090', b: '10.0.0.2:8000', l4Packets: 2, packets: 2 }],
    evicted: 0,
  });

  it('finds nothing when both agree', () => {
    expect(compareCapture({ ...tshark, stderr: '' }, vigil()).differences).toEqual([]);
  });

  it('reports a wrong port, a missing packet and a conversation split', () => {
    const v = vigil();
    v.frames[1] = tcp('10.0.0.2', '10.0.0.1', 8000, 43091);
    v.packets = 2;
    v.frames.length = 2;
    v.flows = [
      { ...v.flows[0], l4Packets: 1, vlan: 10 },
      { ...v.flows[0], l4Packets: 1, vlan: 20 },
    ];
    const d = compareCapture({ ...tshark, stderr: '' }, v).differences;
    expect(d.map((x) => `${x.check}: ${x.detail}`)).toEqual([
      'packets: tshark 3, vigil 2',
      'frame: frame 2 (eth:ethertype:ip:tcp): tshark 10.0.0.2 > 10.0.0.1 tcp 8000 > 43090, vigil 10.0.0.2 > 10.0.0.1 tcp 8000 > 43091',
      'tcp-conversations: tshark 1 rows, vigil 2 flows, 1 pair(s) split differently',
    ]);
    expect(d[2].pairs).toEqual([{ pair: '10.0.0.1:43090 <-> 10.0.0.2:8000', tsharkRows: 1, tsharkRowFrames: [2], vigilFlows: 2, vigilVlans: 2 }]);
  });
});
