import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { ensureBuilt, VIGIL } from '../cli/cli-helpers.js';
import { BUNDLED, csaf, HAVE_CSAF } from './shared-feeds.js';
import { buildSite } from './site.js';

describe.skipIf(!HAVE_CSAF)(`vigil kb import / kb status / vulns ${HAVE_CSAF ? '' : '(skipped: ../shared/knowledge/vuln absent)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-vuln-cli-'));
  const db = join(dir, 'vigil.db');
  const run = (...args: string[]) => spawnSync(process.execPath, [VIGIL, ...args, '--db', db], { encoding: 'utf8' });
  beforeAll(async () => {
    ensureBuilt();
    const store = await InventoryStore.open(db);
    await buildSite(store, { guestReachesXtr: true, centralStations: ['xtr', 'cic'] });
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports feeds, reports a broken file by name and keeps the rest', () => {
    const r = run('kb', 'import', join(BUNDLED, 'kev'), csaf('icsma-20-049-01.json'), join(dir, 'missing.json'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kev\s+\S+known_exploited_vulnerabilities\.json: 1404 entries, 1404 CVEs, 0 products/);
    expect(r.stdout).toMatch(/csaf\s+\S+icsma-20-049-01\.json: 1 entries, 1 CVEs, 10 products/);
    expect(r.stderr).toContain(`${join(dir, 'missing.json')}: cannot read: ENOENT`);
    const s = run('kb', 'status');
    expect(s.stdout).toMatch(/1404 CVEs \(1404 in CISA KEV, 0 with EPSS\), 10 affected-product rows/);
  });

  it('explains one device and writes its VEX', () => {
    const vex = join(dir, 'xtr.cdx.json');
    const r = run('vulns', '--device', 'xtr', '--vex', vex);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/immediate\s+CVE-2019-0708\s+9\.8 network\s+KEV exact/);
    expect(r.stdout).toContain('exposure: open - reachable from guest in 1 hop\n');
    expect(r.stdout).toContain('from it: ws-it -[tcp/445 smb]-> isp-a -[tcp/3389 rdp]-> xtr');
    expect(r.stdout).toContain('vendor fix: Spacelabs has determined the recommended remediation is to update to the newest release v1.2.1 or later.');
    expect(r.stdout).toContain('from guest: guest-laptop -[tcp/3389 rdp]-> xtr');
    expect(existsSync(vex)).toBe(true);
    const doc = JSON.parse(readFileSync(vex, 'utf8'));
    expect(doc).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', metadata: { component: { name: 'Xhibit Telemetry Receiver 96280', version: '1.0.2' } } });
    expect(doc.vulnerabilities).toHaveLength(1);
    expect(doc.vulnerabilities[0]).toMatchObject({ id: 'CVE-2019-0708', analysis: { state: 'exploitable' }, ratings: [{ score: 9.8, method: 'CVSSv3' }] });
    const unknown = run('vulns', '--device', 'no-such-device');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no device "no-such-device"');
  });
});
