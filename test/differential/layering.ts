import type { TsharkFrame } from './tshark.js';

/**
 * The addresses and ports one frame is compared on: the IP header Vigil reports and, when that
 * header carries a TCP or UDP header Vigil decodes, its ports. `null` for a frame with no IP layer.
 */
export interface FrameTuple {
  src: string;
  dst: string;
  /** 'tcp' or 'udp' when the ports below are meaningful, else '-' (ICMP, other, fragment). */
  l4: 'tcp' | 'udp' | '-';
  srcPort: number;
  dstPort: number;
}

export function tupleText(t: FrameTuple | null): string {
  if (!t) return '(no IP)';
  return t.l4 === '-' ? `${t.src} > ${t.dst}` : `${t.src} > ${t.dst} ${t.l4} ${t.srcPort} > ${t.dstPort}`;
}

/** frame.protocols names of IPv6 extension headers Vigil walks over (ip.ts decodeIpv6). */
const IPV6_EXTENSIONS = new Set(['ipv6.hopopts', 'ipv6.routing', 'ipv6.dstopts', 'ipv6.fraghdr', 'ipv6.shim6', 'ah']);
/** Layers between GRE and the IP header it carries that Vigil decodes through (ip.ts decodeGre). */
const GRE_INNER = new Set(['erspan', 'eth', 'ethertype', 'vlan']);

/**
 * Which of tshark's (possibly multi-valued) fields describe the header Vigil reports, read from
 * tshark's own layering (frame.protocols). The rule mirrors what Vigil decodes:
 *
 * - start at the first `ip`/`ipv6` layer;
 * - follow an IP header directly inside IP (IP-in-IP, 6in4, 4in6), and IP inside GRE (directly, or
 *   through ERSPAN and a mirrored Ethernet frame): Vigil reports the innermost such header;
 * - stop at anything else. In particular an ICMP or ICMPv6 error quotes the offending packet's IP
 *   and TCP/UDP headers, and tshark lists them as further `ip`, `tcp`, `udp` occurrences: Vigil
 *   reports the outer ICMP packet and no ports, so those quoted occurrences are not compared.
 *   UDP tunnels (VXLAN, Teredo, GTP) stop here too: Vigil does not open them.
 * - the ports are those of the `tcp`/`udp` layer directly after the chosen IP header (after its
 *   IPv6 extension headers). A fragment that does not complete its datagram has none in tshark
 *   (the layer after IP is `data`), and none in Vigil.
 *
 * The k-th `ip` layer in frame.protocols is the k-th occurrence of ip.src/ip.dst (tshark lists
 * occurrences in dissection order), and likewise for `ipv6`, `tcp` and `udp`; a frame whose counts
 * disagree with its occurrences is reported rather than guessed at.
 */
export function tsharkTuple(frame: TsharkFrame): FrameTuple | { error: string } | null {
  const protos = frame.protocols;
  // occ[i]: how many layers of the same name come before layer i, i.e. its occurrence index.
  const seen = new Map<string, number>();
  const occ = protos.map((name) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return n;
  });
  let ipAt = protos.findIndex((p) => p === 'ip' || p === 'ipv6');
  if (ipAt < 0) return null;
  for (;;) {
    let next = ipAt + 1;
    while (next < protos.length && IPV6_EXTENSIONS.has(protos[next])) next++;
    const name = protos[next];
    if (name === 'ip' || name === 'ipv6') {
      ipAt = next;
      continue;
    }
    if (name === 'gre') {
      let inner = next + 1;
      while (inner < protos.length && GRE_INNER.has(protos[inner])) inner++;
      if (protos[inner] === 'ip' || protos[inner] === 'ipv6') {
        ipAt = inner;
        continue;
      }
    }
    break;
  }
  const v6 = protos[ipAt] === 'ipv6';
  const k = occ[ipAt];
  const srcs = v6 ? frame.ipv6Src : frame.ipSrc;
  const dsts = v6 ? frame.ipv6Dst : frame.ipDst;
  const ipCount = protos.filter((p) => p === protos[ipAt]).length;
  if (srcs.length !== ipCount || dsts.length !== ipCount) {
    return { error: `${ipCount} ${protos[ipAt]} layers but ${srcs.length} source and ${dsts.length} destination addresses` };
  }
  const tuple: FrameTuple = { src: srcs[k], dst: dsts[k], l4: '-', srcPort: 0, dstPort: 0 };
  let next = ipAt + 1;
  while (next < protos.length && IPV6_EXTENSIONS.has(protos[next])) next++;
  const l4 = protos[next];
  if (l4 === 'tcp' || l4 === 'udp') {
    const sp = l4 === 'tcp' ? frame.tcpSrcPort : frame.udpSrcPort;
    const dp = l4 === 'tcp' ? frame.tcpDstPort : frame.udpDstPort;
    const count = protos.filter((p) => p === l4).length;
    if (sp.length !== count || dp.length !== count) {
      return { error: `${count} ${l4} layers but ${sp.length} source and ${dp.length} destination ports` };
    }
    tuple.l4 = l4;
    tuple.srcPort = Number(sp[occ[next]]);
    tuple.dstPort = Number(dp[occ[next]]);
  }
  return tuple;
}
