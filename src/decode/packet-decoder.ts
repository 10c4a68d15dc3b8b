import type { PacketRecord } from '../capture/packet-record.js';
import { decodeArp } from './arp.js';
import { DecodeErrors } from './decode-errors.js';
import { DecodedPacket } from './decoded-packet.js';
import { DEFAULT_REASSEMBLY_LIMITS, FragmentReassembler, type ReassemblyLimits } from './fragment-reassembler.js';
import { decodeIp, type IpContext } from './ip.js';
import { decodeLinkLayer, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './link-layer.js';

/**
 * Decodes frames into one reused DecodedPacket. Never throws on packet content: every malformed
 * header is counted in `errors` by layer and reason and the packet decodes as far as it can.
 */
export class PacketDecoder implements IpContext {
  readonly packet = new DecodedPacket();
  readonly errors: DecodeErrors;
  readonly ipv4Fragments: FragmentReassembler;
  readonly ipv6Fragments: FragmentReassembler;

  constructor(errors = new DecodeErrors(), limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {
    this.errors = errors;
    this.ipv4Fragments = new FragmentReassembler('ipv4', errors, limits);
    this.ipv6Fragments = new FragmentReassembler('ipv6', errors, limits);
  }

  decode(record: PacketRecord): DecodedPacket {
    return this.decodeFrame(record.buf, record.offset, record.caplen, record.origLen, record.linkType, record.ts, record.frameNumber);
  }

  decodeFrame(buf: Buffer, offset: number, caplen: number, origLen: number, linkType: number, ts: number, frameNumber = 0): DecodedPacket {
    const p = this.packet;
    p.reset();
    p.frame = buf;
    p.buf = buf;
    p.addrBuf = buf;
    p.frameOffset = offset;
    p.frameLength = caplen;
    p.wireLength = origLen;
    p.ts = ts;
    p.frameNumber = frameNumber;
    const end = offset + caplen;
    const l3 = decodeLinkLayer(p, linkType, offset, end, this.errors);
    if (l3 < 0) return p;
    p.l3Offset = l3;
    const type = p.etherType;
    if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) decodeIp(this, p, type, buf, l3, end);
    else if (type === ETHERTYPE_ARP) decodeArp(p, buf, l3, end, this.errors);
    return p;
  }
}
