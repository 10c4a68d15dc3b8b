import { LINKTYPE_RAW } from '../../capture/link-type.js';
import { PacketDecoder } from '../../decode/packet-decoder.js';
import type { Dissector, DissectorSession } from '../dissector.js';
import { sharedP0fDatabase, type P0fDatabase } from './p0f-database.js';
import { TcpFingerprinter } from './tcp-fingerprinter.js';

/**
 * The SYN fingerprinter as a datagram `Dissector`, so the shared conformance suite and the fuzz harness
 * (src/protocols/harness.ts) drive it unchanged: each datagram is one raw IPv4 or IPv6 packet of a single
 * connection, decoded exactly as the analyzer decodes a captured one; every fact is credited to the
 * datagram's direction.
 */
export function tcpFingerprintAsDatagrams(db: P0fDatabase = sharedP0fDatabase()): Dissector {
  return {
    name: 'tcp',
    udpPorts: [],
    tcpPorts: [],
    open(ctx): DissectorSession {
      const decoder = new PacketDecoder();
      const fingerprinter = new TcpFingerprinter(db);
      return {
        data(dir, buf, offset, length): void {
          const p = decoder.decodeFrame(buf, offset, length, length, LINKTYPE_RAW, 0);
          fingerprinter.packet(0, 0, p, (key, value) => ctx.emit(key, value, dir));
        },
        done: false,
      };
    },
  };
}
