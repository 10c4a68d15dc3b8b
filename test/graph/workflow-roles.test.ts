/**
 * workflowRoles (what the risk recompute counts) against recogniseWorkflowsIn (what the graph shows):
 * the same instances, counted per device, on random conversations that exercise every way a
 * definition matches: facts (holding and not), categories both ways, ports, excluded ports, devices
 * missing from the inventory and a device talking to itself.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflowDefinitions, recogniseWorkflowsIn, workflowRoles, type WorkflowConnection } from '../../src/graph/workflows.js';
import { Rng } from '../../src/simulate/rng.js';

const definitions = loadWorkflowDefinitions();
const CATEGORIES = [null, 'printer', 'workstation', 'lab-analyzer', 'lis', 'poct-device', 'patient-monitor', 'central-station', 'infusion-pump', 'pump-server', 'pacs', 'imaging-ct'];
const PORTS = [9100, 631, 515, 161, 104, 2575, 443, 5938, 4000];
const FACTS = [
  { sender: 'client', key: 'dicom.command', value: '"C-STORE-RQ"' },
  { sender: 'server', key: 'dicom.command', value: '"C-STORE-RQ"' },
  { sender: 'client', key: 'hl7.message_type', value: '"ORU^R01"' },
  { sender: 'client', key: 'hl7.message_type', value: '"ACK"' },
  { sender: 'client', key: 'dicom.sop_class', value: '"Modality Worklist Information Model - FIND"' },
  { sender: 'server', key: 'telnet.login_prompt', value: 'true' },
  { sender: 'client', key: 'astm.record_types', value: '"H,P,O,R,L"' },
];

describe('workflow roles', () => {
  it('counts, per device, the instances recogniseWorkflowsIn finds with members', () => {
    const rng = new Rng(11);
    const devices = new Map(Array.from({ length: 60 }, (_, i) => [i + 1, { id: i + 1, label: `d${i + 1}`, category: CATEGORIES[i % CATEGORIES.length] }]));
    const conns: WorkflowConnection[] = [];
    const crossed: { client_id: number; server_id: number; transport: string; port: number; sender: string; key: string; value: string }[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      // Ids up to 64: some conversations name a device the inventory does not have; some a device and itself.
      const client = 1 + rng.below(64);
      const server = rng.below(20) === 0 ? client : 1 + rng.below(64);
      const transport = rng.below(4) === 0 ? 'udp' : 'tcp';
      const port = PORTS[rng.below(PORTS.length)];
      const key = `${client}/${server}/${transport}/${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      conns.push({ client_id: client, server_id: server, transport, port, flows: 1 + rng.below(5), first_seen: i, last_seen: i + 1 });
      if (rng.below(3) === 0) for (const f of FACTS) if (rng.below(4) === 0) crossed.push({ client_id: client, server_id: server, transport, port, ...f });
    }
    const expected = new Map<number, { hubOf: number; memberOf: number }>();
    const role = (id: number) => expected.get(id) ?? expected.set(id, { hubOf: 0, memberOf: 0 }).get(id)!;
    const instances = recogniseWorkflowsIn(devices, conns, crossed, definitions);
    for (const w of instances) {
      if (w.members.length === 0) continue;
      role(w.hub.id).hubOf++;
      for (const m of w.members) role(m.id).memberOf++;
    }
    expect(instances.filter((w) => w.members.length > 0).length).toBeGreaterThan(20);
    expect(new Set(instances.map((w) => w.workflow)).size).toBeGreaterThan(5);

    const columns = { length: conns.length, client: conns.map((c) => c.client_id), server: conns.map((c) => c.server_id), transport: conns.map((c) => (c.transport === 'tcp' ? 0 : 1)), transports: ['tcp', 'udp'], port: conns.map((c) => c.port) };
    const roles = workflowRoles(devices, columns, crossed, definitions);
    const sorted = (m: Map<number, { hubOf: number; memberOf: number }>) => [...m].sort((a, b) => a[0] - b[0]);
    expect(sorted(roles)).toEqual(sorted(expected));
    // Ids that are not dense take the other path to the same answer.
    const far = (id: number) => id * 1_000_003;
    const farDevices = new Map([...devices].map(([id, d]) => [far(id), { ...d, id: far(id) }]));
    const farRoles = workflowRoles(farDevices, { ...columns, client: columns.client.map(far), server: columns.server.map(far) }, crossed.map((f) => ({ ...f, client_id: far(f.client_id), server_id: far(f.server_id) })), definitions);
    expect(sorted(farRoles)).toEqual(sorted(expected).map(([id, r]) => [far(id), r]));
  });
});
