/** What counts as a TCP probe for the scan rules (not a rule itself). */
import type { FlowRecord } from '../../analyze/flow-record.js';

/**
 * A TCP flow that exchanged no payload, whose originator opened it itself (history starting with a SYN or a
 * bare FIN, or no flags at all), in at most three packets: a SYN scan's SYN (and RST), a connect scan's
 * handshake and reset, a FIN/NULL/Xmas probe. A capture that starts mid-connection starts with an ACK: not a probe.
 */
export function isTcpProbe(f: FlowRecord): boolean {
  if (f.proto !== 'tcp' || f.origPayloadBytes !== 0 || f.respPayloadBytes !== 0 || f.origPackets > 3 || !f.tcp) return false;
  const first = f.tcp.history.charAt(0);
  return first === 'S' || first === 'F' || first === '' || f.tcp.origFlags === 0;
}
