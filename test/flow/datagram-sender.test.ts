import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import type { Observation } from '../../src/protocols/observation.js';
import { simulate } from '../../src/simulate/index.js';

describe('facts from a UDP flow that mixes senders', () => {
  it('DHCP clients broadcasting from 0.0.0.0:68 each keep their own MAC and their own facts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-dhcp-'));
    try {
      const capture = join(dir, 'h.pcapng');
      simulate({ seed: 5, devices: 80, duration: 600, out: capture, imageScale: 0.05 });
      const facts: Observation[] = [];
      const a = new Analyzer({ dissectors: defaultDissectors(), onObservation: (o) => facts.push(o) });
      await a.addCapture(capture);
      a.finish();
      const fromUnaddressed = facts.filter((o) => o.key === 'dhcp.client_mac' && o.src.ip === '0.0.0.0');
      expect(fromUnaddressed.length).toBeGreaterThan(10);
      // The client hardware address in the message is the frame's sender: nothing is attributed to the first client of the flow.
      for (const o of fromUnaddressed) expect(o.src.mac).toBe(o.value);
      // Every client's option 55 survives, not only the first client's.
      const prl = new Set(facts.filter((o) => o.key === 'dhcp.param_request_list' && o.src.ip === '0.0.0.0').map((o) => o.src.mac));
      expect(prl.size).toBe(new Set(fromUnaddressed.map((o) => o.src.mac)).size);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
