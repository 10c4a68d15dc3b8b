import { join } from 'node:path';
import { knowledgeDir, readKnowledgeJson } from '../inventory/knowledge-dir.js';

/** Which conversations an attacker can follow from one device to the next (knowledge/lateral-movement.json). */
export class LateralMovement {
  private constructor(
    private readonly ports: Set<string>,
    private readonly names: Set<string>,
  ) {}

  static load(file = join(knowledgeDir(), 'lateral-movement.json')): LateralMovement {
    const doc = readKnowledgeJson<{ services?: { transport?: unknown; port?: unknown }[]; serviceNames?: unknown[] }>(file);
    const ports = new Set<string>();
    (doc.services ?? []).forEach((s, i) => {
      if ((s.transport !== 'tcp' && s.transport !== 'udp') || !Number.isInteger(s.port) || (s.port as number) < 1 || (s.port as number) > 65535) {
        throw new Error(`${file}: services[${i}] needs "transport" tcp|udp and "port" 1-65535`);
      }
      ports.add(`${s.transport}/${s.port}`);
    });
    return new LateralMovement(ports, new Set((doc.serviceNames ?? []).map(String)));
  }

  /** A conversation to `port` (recognised as `service`, if any) can carry an attack. */
  allows(transport: string, port: number, service: string | null): boolean {
    return this.ports.has(`${transport}/${port}`) || (service !== null && this.names.has(service));
  }
}
