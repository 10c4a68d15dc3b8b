import type { Dissector, Direction, Transport } from './dissector.js';

/** Chooses the dissector for a flow: by port first, then by each dissector's cheap probe. */
export class DissectorRegistry {
  private readonly tcpByPort = new Map<number, Dissector>();
  private readonly udpByPort = new Map<number, Dissector>();
  private readonly probers: Dissector[] = [];
  readonly dissectors: readonly Dissector[];

  constructor(dissectors: readonly Dissector[]) {
    this.dissectors = dissectors;
    for (const d of dissectors) {
      for (const port of d.tcpPorts) if (!this.tcpByPort.has(port)) this.tcpByPort.set(port, d);
      for (const port of d.udpPorts) if (!this.udpByPort.has(port)) this.udpByPort.set(port, d);
      if (d.probe) this.probers.push(d);
    }
  }

  get hasProbers(): boolean {
    return this.probers.length > 0;
  }

  /** The responder's port is the better witness of the service; the originator's is a fallback. */
  byPort(transport: Transport, responderPort: number, originatorPort: number): Dissector | null {
    const map = transport === 'tcp' ? this.tcpByPort : this.udpByPort;
    return map.get(responderPort) ?? map.get(originatorPort) ?? null;
  }

  probe(transport: Transport, dir: Direction, buf: Buffer, offset: number, length: number): Dissector | null {
    for (const d of this.probers) if (d.probe!(transport, dir, buf, offset, length)) return d;
    return null;
  }
}
