/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, against `vigil serve`
 * on the analysed demo hospital. Screenshots land in test/artifacts/ for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/cli/serve-command.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { createToken } from '../../src/api/api-tokens.js';
import { ROOT } from '../cli/cli-helpers.js';
import { analysedDemoStore } from '../api/api-fixture.js';
import { ensureWebBuilt, WEB_ROOT } from './web-build.js';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt install chromium, or set VIGIL_CHROMIUM)`;
if (skip) console.warn(`skipping browser tests: ${skip}`);
const ARTIFACTS = join(ROOT, 'test/artifacts');

describe.skipIf(!!skip)('dashboard in Chromium', () => {
  let fixture: { db: string; cleanup: () => void };
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let page: Page;
  let deviceCount: number;
  let viewerToken: string;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: false });

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    fixture = await analysedDemoStore();
    const store = await InventoryStore.open(fixture.db);
    deviceCount = Number((await store.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    viewerToken = (await createToken(store, 'browser-viewer', 'viewer')).token;
    await store.close();
    server = await serve({ db: fixture.db, port: 0, web: WEB_ROOT });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fixture?.cleanup();
  });

  it('refuses a wrong token and signs in with the one the server printed', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('API token').fill('vgl_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/unknown token/);
    await page.getByLabel('API token').fill(server.adminToken!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByTestId('tile-devices').textContent()).toBe(`${deviceCount} devices`);
    expect(await page.locator('figure.chart').count()).toBeGreaterThanOrEqual(3);
    await shot('overview');
  });

  it('lists, searches and opens the inventory', async () => {
    await page.getByRole('link', { name: 'Inventory' }).click();
    await expect.poll(() => page.getByTestId('inventory-count').textContent()).toBe(`${deviceCount} devices`);
    await page.getByLabel('Search devices').fill('alaris');
    await expect.poll(async () => Number((await page.getByTestId('inventory-count').textContent())?.split(' ')[0])).toBeLessThan(deviceCount);
    const rows = page.locator('.grid-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    const texts = await rows.allTextContents();
    expect(texts.every((t) => /alaris/i.test(t))).toBe(true);
    await shot('inventory');
    await rows.first().click();
    await page.getByTestId('device-title').waitFor();
    expect(await page.getByTestId('device-title').textContent()).toMatch(/ALARIS/i);
    await expect.poll(() => page.getByTestId('blast-summary').textContent()).toMatch(/reaches \d+ devices/);
    await expect.poll(() => page.getByTestId('policy-replay').textContent()).toMatch(/blocks 0 of \d+ of them/);
    await expect.poll(() => page.getByTestId('mitigations').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByText('life-sustaining').count()).toBeGreaterThan(0);
    // The device's history, newest first.
    await expect.poll(() => page.getByTestId('device-timeline').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('device');
  });

  it('draws the network map and overlays a blast radius', async () => {
    await page.getByRole('link', { name: 'Network map' }).click();
    await expect.poll(() => page.getByTestId('map-count').textContent()).toMatch(new RegExp(`^${deviceCount} of ${deviceCount} devices`));
    expect(await page.locator('[data-testid=map] canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('map-legend').textContent()).toMatch(/^0-20 20-40 40-60 60-80 80-100/);
    const workflow = page.getByLabel('Highlight a workflow');
    expect(await workflow.locator('option').count()).toBeGreaterThan(1);
    await shot('map');
    const hub = await page.evaluate(async (token) => {
      const r = await fetch('/api/choke-points?limit=1', { headers: { authorization: `Bearer ${token}` } });
      return ((await r.json()) as { device: { id: number } }[])[0].device.id;
    }, server.adminToken);
    await page.goto(`${server.url}/map?device=${hub}`);
    await expect.poll(() => page.getByTestId('map-blast').textContent(), { timeout: 15_000 }).toMatch(/reaches \d+ devices/);
    await shot('map-blast-radius');
  });

  it('ranks risk by patient safety and by privacy, each score explained', async () => {
    await page.getByRole('link', { name: 'Risk' }).click();
    await expect.poll(() => page.getByTestId('ranking-safety').locator('tbody tr').count()).toBeGreaterThan(5);
    await expect.poll(() => page.getByTestId('ranking-privacy').locator('tbody tr').count()).toBeGreaterThan(5);
    await page.getByTestId('ranking-safety').getByRole('button', { name: 'Why' }).first().click();
    await expect.poll(() => page.getByTestId('risk-safety').count()).toBe(1);
    await shot('risk');
  });

  it('runs a what-if on a category and shows risk before and after', async () => {
    await page.getByRole('link', { name: 'What-if' }).click();
    await page.getByLabel('Category').selectOption('infusion-pump');
    await page.getByLabel('Mitigation').selectOption('micro-segmentation');
    await page.getByRole('button', { name: 'Run what-if' }).click();
    await expect.poll(() => page.getByTestId('whatif-after').textContent()).toMatch(/^After: mean [\d.]+/);
    expect(await page.getByTestId('whatif-before').textContent()).toMatch(/^Before: mean [\d.]+/);
    await shot('whatif');
  });

  it('assesses a device before it is bought, with its MDS2 form and SBOM when ../shared has them', async () => {
    await page.getByRole('link', { name: 'Procurement' }).click();
    await page.getByLabel('Vendor').fill('BD');
    await page.getByLabel('Model').fill('Alaris 8015 PC Unit');
    await page.getByLabel('Software version').fill('12.1.2');
    await page.getByLabel('Category').selectOption('infusion-pump');
    await page.getByLabel('Intended zone').selectOption('icu');
    await page.getByLabel(/Intended peers/).fill('pump-server');
    const mds2 = join(ROOT, '../shared/procurement/mds2/NEMA_Example-MDS2-Worksheet_HN1-2019.xlsx');
    const sbom = join(ROOT, '../shared/procurement/sbom/sbom-completeness_narrow.sbom.json');
    if (existsSync(mds2)) await page.getByLabel('MDS2 form').setInputFiles(mds2);
    if (existsSync(sbom)) await page.getByLabel('SBOM').setInputFiles(sbom);
    await page.getByRole('button', { name: 'Assess' }).click();
    await expect.poll(() => page.getByTestId('procure-summary').textContent(), { timeout: 30_000 }).toMatch(/^Projected risk [\d.]+ .* rank \d+ of \d+ devices/);
    if (existsSync(mds2)) expect(await page.getByTestId('procure-summary').textContent()).toMatch(/[1-9]\d* MDS2 gaps/);
    await expect.poll(() => page.frameLocator('iframe.report').locator('h1').textContent()).toMatch(/^Secure before procure: BD Alaris 8015 PC Unit 12\.1\.2/);
    await shot('procurement');
  });

  it('shows vulnerabilities with their decisions, and alerts an admin can acknowledge', async () => {
    await page.getByRole('link', { name: 'Vulnerabilities' }).click();
    await expect.poll(() => page.getByTestId('vuln-count').textContent()).toMatch(/^[1-9]\d* findings/);
    expect(await page.getByTestId('vuln-row').count()).toBeGreaterThan(0);
    await shot('vulnerabilities');
    await page.getByRole('link', { name: 'Alerts' }).click();
    await expect.poll(() => page.getByTestId('alert-row').count()).toBeGreaterThan(0);
    const before = await page.getByRole('button', { name: 'Acknowledge' }).count();
    expect(before).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Acknowledge' }).first().click();
    await expect.poll(() => page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(before - 1);
    expect(await page.getByText('by admin').count()).toBe(1);
    await shot('alerts');
    // Root cause of an alert about an inventory device: patient zero and the path from it.
    const alerts = (await (await fetch(`${server.url}/api/alerts?limit=100`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json()) as { items: { id: number; deviceId: number | null }[] };
    const withDevice = alerts.items.find((a) => a.deviceId !== null)!;
    await page.goto(`${server.url}/alerts?rootCause=${withDevice.id}`);
    await expect.poll(() => page.getByTestId('root-cause').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^Patient zero of alert ${withDevice.id}: `));
    expect(await page.getByTestId('root-cause').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('root-cause');
  });

  it('lists workflows and, for an admin, tokens and the audit log', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click();
    await expect.poll(() => page.locator('details.workflow').count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Tokens & audit' }).click();
    await page.getByLabel('Token name').fill('from-browser');
    await page.getByRole('button', { name: 'Make token' }).click();
    await expect.poll(() => page.locator('.notice code').textContent()).toMatch(/^vgl_/);
    await expect.poll(() => page.getByRole('cell', { name: 'POST /api/tokens' }).count()).toBeGreaterThan(0);
    await shot('admin');
  });

  it('hides admin pages from a viewer', async () => {
    const viewer = await browser.newPage();
    try {
      await viewer.goto(`${server.url}/#token=${viewerToken}`);
      await viewer.getByRole('heading', { name: 'Overview' }).waitFor();
      expect(await viewer.getByRole('link', { name: 'Tokens & audit' }).count()).toBe(0);
      expect(await viewer.getByText('browser-viewer (viewer)').count()).toBe(1);
      // The token left the address bar once read.
      expect(viewer.url()).not.toContain('token=');
    } finally {
      await viewer.close();
    }
  });

  it('shows each site with its sensors and drops, and filters the inventory and alerts by site', async () => {
    // Before any site: no panel on the overview.
    const sitesAnswered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/sites');
    await page.getByRole('link', { name: 'Overview' }).click();
    await sitesAnswered;
    await page.getByTestId('tile-devices').waitFor();
    expect(await page.getByTestId('site-panel').count()).toBe(0);
    // The demo is a local analysis with no sites: give three devices a site and its sensor some drops, as a central service would.
    const store = await InventoryStore.open(fixture.db);
    let atSite: { id: number; ip: string | null }[];
    try {
      atSite = (await store.db.selectFrom('devices').select(['id', 'ip']).where('ip', 'is not', null).orderBy('id').limit(3).execute()).map((d) => ({ id: Number(d.id), ip: d.ip }));
      const now = Date.now() / 1000;
      await store.db.insertInto('device_sites').values(atSite.map((d) => ({ device_id: d.id, site: 'st-marys', first_seen: now - 3600, last_seen: now }))).execute();
      await store.db
        .insertInto('sensors')
        .values({ sensor: 'st-marys-icu', site: 'st-marys', version: '0.1.0', windows: 42, last_window_at: now, last_packet_ts: now, dropped_windows: 5, dropped_bytes: 3 << 20, capture_drops: 0 })
        .execute();
    } finally {
      await store.close();
    }
    await page.getByRole('link', { name: 'Inventory' }).click();
    await expect.poll(() => page.getByTestId('inventory-count').textContent()).toBe(`${deviceCount} devices`);
    await page.getByLabel('Site').selectOption('st-marys');
    await expect.poll(() => page.getByTestId('inventory-count').textContent()).toBe('3 devices');
    expect(page.url()).toMatch(/[?&]site=st-marys/);
    const rows = page.locator('.grid-row');
    await expect.poll(() => rows.count()).toBe(3);
    const texts = await rows.allTextContents();
    expect(atSite.every((d) => texts.some((t) => t.includes(d.ip!)))).toBe(true);
    await shot('inventory-site');
    // Demo alerts came from a local analysis, so no site raised any of them.
    await page.getByRole('link', { name: 'Alerts' }).click();
    await expect.poll(() => page.getByTestId('alert-row').count()).toBeGreaterThan(0);
    await page.getByLabel('Site').selectOption('st-marys');
    await expect.poll(() => page.getByTestId('alert-count').textContent()).toBe('0 alerts');
    await page.getByRole('link', { name: 'Overview' }).click();
    const panel = page.getByTestId('site-panel');
    await expect.poll(() => panel.textContent()).toMatch(/st-marys3 devicesst-marys-icu/);
    const drops = panel.getByTestId('sensor-drops');
    expect(await drops.textContent()).toBe('⚠ 5 windows dropped (3.0 MiB)');
    // An expression in a string: the test's own types know no DOM.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('[data-testid=sensor-drops]')).backgroundColor`)).toBe('rgb(253, 235, 208)');
    await panel.scrollIntoViewIfNeeded();
    await shot('sites');
  });
});
