/**
 * A frame dissector's PDUs as conformance vectors and facts: each frame is one datagram of a flow
 * (`frameDissectorAsDatagrams`), so the shared conformance suite and harness drive it unchanged.
 */
import { frameDissectorAsDatagrams, type FrameDissector } from '../../src/protocols/frame-dissector.js';
import { feedWhole, type Fact } from '../../src/protocols/harness.js';
import type { ConformanceVector } from './conformance.js';

export const fact = (key: string, value: Fact['value']): Fact => ({ key, value, from: 0 });

export const frameVector = (name: string, pdu: Buffer, expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: 1,
  responderPort: 2,
  segments: [{ dir: 0, bytes: pdu }],
  expected,
  exact,
});

/** The facts `dissector` emits for one PDU. */
export function frameFacts(dissector: FrameDissector, pdu: Buffer): Fact[] {
  return feedWhole(frameDissectorAsDatagrams(dissector), { transport: 'udp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes: pdu }] }).facts;
}
