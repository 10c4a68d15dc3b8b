import { describe, expect, it } from 'vitest';
import { loadWorkflowDefinitions, recogniseWorkflowsIn, workflowsOf, type WorkflowConnection } from '../../src/graph/workflows.js';

const definitions = loadWorkflowDefinitions();
const devices = new Map(
  [
    { id: 1, label: 'nms', category: 'server' },
    { id: 2, label: 'printer', category: 'printer' },
    { id: 3, label: 'ws', category: 'workstation' },
    { id: 4, label: 'ct', category: 'imaging-ct' },
  ].map((d) => [d.id, d]),
);
const conn = (client: number, server: number, transport: string, port: number): WorkflowConnection => ({ client_id: client, server_id: server, transport, port, flows: 3, first_seen: 10, last_seen: 20 });

describe('workflow recognition from the bundled definitions', () => {
  it('counts a print job to a printer as printing, but not a monitoring system polling its SNMP', () => {
    const found = recogniseWorkflowsIn(devices, [conn(3, 2, 'tcp', 9100), conn(1, 2, 'udp', 161)], [], definitions);
    const printing = found.filter((w) => w.workflow === 'printing');
    expect(printing).toHaveLength(1);
    expect(printing[0].hub.id).toBe(2);
    expect(printing[0].members.map((m) => m.id)).toEqual([3]);
  });

  it('makes a device running a remote-access tool towards the internet the remote host of an instance operated from outside', () => {
    const facts = new Map([
      [4, new Map([['remote-access.tool', ['"teamviewer"']], ['net.internet_peer', ['"to 203.0.113.9 tcp/5938"']]])],
      // A remote-access tool with no internet peer: nothing to say about the outside.
      [3, new Map([['remote-access.tool', ['"anydesk"']]])],
    ]);
    const found = recogniseWorkflowsIn(devices, [], [], definitions, facts);
    expect(found.map((w) => [w.workflow, w.hub.id, w.members.length])).toEqual([['remote-access', 4, 0]]);
    expect(found[0].internet).toEqual({ peers: 1, evidence: ['remote-access.tool="teamviewer"'] });
    expect(workflowsOf(found, 4)).toEqual([{ instance: found[0], as: 'hub' }]);
  });

  it('refuses a definition file whose excludePorts is not a list of ports', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-wf-'));
    try {
      const file = join(dir, 'workflows.json');
      writeFileSync(file, JSON.stringify({ workflows: [{ id: 'x', name: 'X', hub: 'server', hubPart: 'a', memberPart: 'b', ports: [1], excludePorts: ['161'] }] }));
      expect(() => loadWorkflowDefinitions(file)).toThrow(/workflows\[0\] \(x\): "excludePorts" must be a list of port numbers/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
