// `--dissectors` names every part that reads packets for facts: flow dissectors, the frame dissectors
// (LLDP, CDP) and the passive TCP SYN fingerprints; `none` runs none of them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { selectAnalysis, TCP_FINGERPRINTS } from '../../src/protocols/index.js';

const DEMO = join(import.meta.dirname, '../../data/demo/hospital-demo.pcapng.gz');

async function keyPrefixes(spec: string): Promise<Set<string>> {
  const prefixes = new Set<string>();
  const a = new Analyzer({ ...selectAnalysis(spec), onObservation: (o) => prefixes.add(o.key.split('.')[0]) });
  await a.addCapture(DEMO);
  a.finish();
  return prefixes;
}

describe('--dissectors selection', () => {
  it('selects flow dissectors, frame dissectors and the SYN fingerprints by name', () => {
    const none = selectAnalysis('none');
    expect([none.dissectors.length, none.frameDissectors.length, none.tcpFingerprints]).toEqual([0, 0, false]);
    const all = selectAnalysis('all');
    expect(all.dissectors.length).toBeGreaterThan(20);
    expect(all.frameDissectors.map((d) => d.name).sort()).toEqual(['cdp', 'lldp']);
    expect(all.tcpFingerprints).toBe(true);
    const some = selectAnalysis(`dns, lldp ,${TCP_FINGERPRINTS}`);
    expect(some.dissectors.map((d) => d.name)).toEqual(['dns']);
    expect(some.frameDissectors.map((d) => d.name)).toEqual(['lldp']);
    expect(some.tcpFingerprints).toBe(true);
    expect(() => selectAnalysis('dns,lldpp')).toThrow(/unknown dissector lldpp; known: .*lldp, cdp, tcp/);
  });

  it('emits facts only from the parts selected', async () => {
    const all = await keyPrefixes('all');
    for (const p of ['dns', 'lldp', 'tcp', 'dhcp']) expect(all.has(p), p).toBe(true);
    const dns = await keyPrefixes('dns');
    expect(dns.has('dns')).toBe(true);
    for (const p of ['lldp', 'tcp', 'dhcp']) expect(dns.has(p), p).toBe(false);
    const frames = await keyPrefixes('lldp,tcp');
    expect([...frames].filter((p) => p !== 'arp' && p !== 'ndp').sort()).toEqual(['lldp', 'tcp']);
  }, 120_000);
});
