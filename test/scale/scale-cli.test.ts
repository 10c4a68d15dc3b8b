/**
 * `vigil sensor --publish` and `vigil central` through the real launcher: wrong calls are refused with
 * a reason, and a sensor that cannot reach NATS keeps its window (and its packets) and says so.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, vigil } from '../cli/cli-helpers.js';
import { freePort } from './private-servers.js';
import { parseWindow } from '../../src/scale/sensor-window.js';

const DEMO = join(ROOT, 'data/demo/hospital-demo.pcapng.gz');
const DEMO_SITE = join(ROOT, 'data/demo/hospital-demo.site.yaml');

describe('sensor and central on the command line', () => {
  let dir: string;
  let closed: string;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'vigil-scale-cli-'));
    closed = `nats://127.0.0.1:${await freePort()}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a sensor with neither an interface nor --publish, and a publish without a site', () => {
    const none = vigil(['sensor', '--site', 'north']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/needs --interface/);
    const noSite = vigil(['sensor', '-r', DEMO, '--publish', closed]);
    expect(noSite.status).toBe(2);
    expect(noSite.stderr).toMatch(/--publish needs --site/);
  });

  it('refuses a site name that cannot be part of a NATS subject', () => {
    const r = vigil(['sensor', '-r', DEMO, '--site', 'st.marys', '--publish', closed, '--spool', join(dir, 'bad')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/site name "st\.marys": use letters, digits, - and _ only/);
  });

  it.skipIf(!existsSync(DEMO))('without NATS, keeps the window in its spool and its packets in its store, and exits 3', () => {
    const spool = join(dir, 'spool');
    const packets = join(dir, 'packets');
    const r = vigil(['sensor', '-r', DEMO, '--site', 'north', '--publish', closed, '--spool', spool, '--packet-store', packets, '--flush-timeout', '1']);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/Sensor {5}north-\S+ at north: 1 windows, 0 published, 1 left in the spool, 0 dropped/);
    expect(r.stderr).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
    expect(readdirSync(spool).filter((f) => f.endsWith('.window.gz'))).toHaveLength(1);
    expect(readdirSync(packets).length).toBeGreaterThan(0);
  }, 120_000);

  it.skipIf(!existsSync(DEMO))('judges segmentation against the zone policy at the sensor, with the site file it sends, and refuses a bad policy', () => {
    const spool = join(dir, 'spool-zones');
    const r = vigil(['sensor', '-r', DEMO, '--site', 'north', '--site-file', DEMO_SITE, '--publish', closed, '--spool', spool, '--flush-timeout', '1']);
    expect(r.status).toBe(3);
    const file = readdirSync(spool).find((f) => f.endsWith('.window.gz'))!;
    const w = parseWindow(readFileSync(join(spool, file)));
    const rules = new Set(w.alerts.map((a) => a.rule));
    // The demo hospital's guest laptop reaches a clinical VLAN (a labelled hazard).
    expect(rules.has('segmentation.violation')).toBe(true);
    const bad = join(dir, 'bad-policy.yaml');
    writeFileSync(bad, 'rules:\n  - from: kind:guest\n    action: maybe\n');
    const refused = vigil(['sensor', '-r', DEMO, '--site', 'north', '--site-file', DEMO_SITE, '--zone-policy', bad, '--publish', closed, '--spool', join(dir, 'spool-bad')]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('bad-policy.yaml');
  }, 120_000);

  it('a central service that cannot reach NATS says where it tried', () => {
    const r = vigil(['central', '--nats', closed, '--postgres', join(dir, 'central.db')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
  });
});
