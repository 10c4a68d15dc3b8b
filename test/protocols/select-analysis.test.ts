// `--dissectors` names every part that reads packets for facts: flow dissectors, the frame dissectors
// (LLDP, CDP) and the passive TCP SYN fingerprints; `none` runs none of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { FLOW_DISSECTORS, FRAME_DISSECTORS, loadAnalysis } from '../../src/protocols/dissector-catalog.js';
import { defaultFrameDissectors } from '../../src/protocols/frame-dissector.js';
import { defaultDissectors, selectAnalysis, TCP_FINGERPRINTS } from '../../src/protocols/index.js';
import { ensureBuilt, ROOT, VIGIL } from '../cli/cli-helpers.js';

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

  it('names in the lazy catalog the same dissectors, in the same order, as the eager lists', async () => {
    expect(FLOW_DISSECTORS.map(([name]) => name)).toEqual(defaultDissectors().map((d) => d.name));
    expect(FRAME_DISSECTORS.map(([name]) => name)).toEqual(defaultFrameDissectors().map((d) => d.name));
    for (const spec of ['all', 'none', 'dns,lldp,tcp', 'tls, http ,cdp']) {
      const lazy = await loadAnalysis(spec);
      const eager = selectAnalysis(spec);
      expect(lazy.dissectors.map((d) => [d.name, d.constructor.name]), spec).toEqual(eager.dissectors.map((d) => [d.name, d.constructor.name]));
      expect(lazy.frameDissectors.map((d) => d.name), spec).toEqual(eager.frameDissectors.map((d) => d.name));
      expect(lazy.tcpFingerprints, spec).toBe(eager.tcpFingerprints);
    }
    await expect(loadAnalysis('dns,lldpp')).rejects.toThrow(/unknown dissector lldpp/);
  });

  it('vigil analyze --dissectors dns loads no other dissector module', () => {
    ensureBuilt();
    // A module loader hook that lists every module the CLI loads.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-lazy-'));
    writeFileSync(join(dir, 'hooks.mjs'), 'export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n');
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
    const loaded = (dissectors: string): string[] => {
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, VIGIL, 'analyze', '--no-db', '--no-detect', '--dissectors', dissectors, join(ROOT, 'data/demo/hospital-demo.pcapng.gz')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return [...r.stderr.matchAll(/^LOADED .*\/dist\/src\/protocols\/([a-z0-9_]+)\//gm)].map((m) => m[1]);
    };
    try {
      const dnsOnly = new Set(loaded('dns'));
      expect(dnsOnly.has('dns')).toBe(true);
      for (const other of ['http', 'tls', 'smb', 'dicom', 'hl7', 'dhcp']) expect(dnsOnly.has(other), other).toBe(false);
      // The check itself sees modules: with every dissector, they are there.
      const all = new Set(loaded('all'));
      for (const name of ['http', 'tls', 'smb', 'dicom', 'hl7', 'dhcp']) expect(all.has(name), name).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
