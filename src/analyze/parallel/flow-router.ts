import { DecodeErrors } from '../../decode/decode-errors.js';
import { DecodedPacket } from '../../decode/decoded-packet.js';
import { decodeLinkLayer, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../decode/link-layer.js';

/**
 * Picks the worker for a frame by a symmetric hash of its VLAN and IP address pair. Hashing the
 * addresses rather than the whole 5-tuple keeps every fragment of a datagram (only the first
 * carries ports) and every ICMP error on the same worker as the flow it belongs to; both
 * directions hash alike because the two addresses are combined commutatively.
 */
export class FlowRouter {
  private readonly scratch = new DecodedPacket();
  private readonly errors = new DecodeErrors();

  constructor(private readonly workers: number) {}

  route(buf: Buffer, offset: number, caplen: number, linkType: number): number {
    if (this.workers === 1) return 0;
    const p = this.scratch;
    p.reset();
    p.frame = buf;
    const end = offset + caplen;
    const l3 = decodeLinkLayer(p, linkType, offset, end, this.errors);
    if (l3 < 0) return 0;
    let a = 0;
    let b = 0;
    if (p.etherType === ETHERTYPE_IPV4 && end - l3 >= 20) {
      a = buf.readUInt32BE(l3 + 12);
      b = buf.readUInt32BE(l3 + 16);
    } else if (p.etherType === ETHERTYPE_IPV6 && end - l3 >= 40) {
      for (let i = 0; i < 16; i += 4) {
        a = (Math.imul(a, 31) + buf.readUInt32BE(l3 + 8 + i)) | 0;
        b = (Math.imul(b, 31) + buf.readUInt32BE(l3 + 24 + i)) | 0;
      }
    } else return 0;
    // Not the VLAN: a routed conversation's two directions carry different tags, and one worker must see both.
    let h = mix(a) + mix(b);
    h = mix(h);
    return (h >>> 0) % this.workers;
  }
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}
