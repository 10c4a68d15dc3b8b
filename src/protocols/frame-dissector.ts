import type { Dissector, DissectorSession } from './dissector.js';
import type { ObservationValue } from './observation.js';
import { CdpDissector } from './cdp/cdp-dissector.js';
import { LldpDissector } from './lldp/lldp-dissector.js';

/** Record a fact about the frame's sender (the engine attaches its source MAC and the timestamp). */
export type FrameEmit = (key: string, value: ObservationValue) => void;

/**
 * A dissector of link-layer frames that carry no IP: LLDP, CDP. Where `Dissector` (dissector.ts) follows a
 * flow, this sees one frame at a time and speaks only for its sender, which has a MAC and no address.
 * The link layer (src/decode/link-layer.ts) marks the frames by `DecodedPacket.linkProto`; the analyzer
 * hands each marked frame to the dissector whose `linkProto` matches.
 */
export interface FrameDissector {
  /** Lower-case protocol name; also the prefix of every key it emits. */
  readonly name: string;
  /** The LINK_PROTO_* (src/decode/decoded-packet.ts) of the frames it reads. */
  readonly linkProto: number;
  /**
   * `buf[offset..offset+length)` is the protocol's PDU, after the Ethernet (and LLC/SNAP) header, possibly
   * followed by Ethernet padding. Must never throw, and keep nothing of `buf` past the call.
   */
  frame(buf: Buffer, offset: number, length: number, emit: FrameEmit): void;
}

/** Every frame dissector Vigil runs by default. */
export function defaultFrameDissectors(): FrameDissector[] {
  return [new LldpDissector(), new CdpDissector()];
}

/**
 * The frame dissector as a datagram `Dissector` (each datagram one frame's PDU, every fact from direction
 * 0), so the conformance suite and the fuzz harness (src/protocols/harness.ts) drive it unchanged.
 */
export function frameDissectorAsDatagrams(frames: FrameDissector): Dissector {
  return {
    name: frames.name,
    udpPorts: [],
    tcpPorts: [],
    open(ctx): DissectorSession {
      const emit: FrameEmit = (key, value) => ctx.emit(key, value, 0);
      return {
        data(_dir, buf, offset, length): void {
          frames.frame(buf, offset, length, emit);
        },
        done: false,
      };
    },
  };
}
