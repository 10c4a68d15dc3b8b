/**
 * The network map on a 5,000-device hospital in Chromium: every device drawn, zones as boxes, a
 * clicked device's blast radius highlighted. Functional only; how fast is bench/map-bench.ts.
 * The screenshot lands in test/artifacts/map-5000.png for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMapStore, type MapStore } from '../../bench/map-bench.js';
import { serve } from '../../src/cli/serve-command.js';
import { ROOT } from '../cli/cli-helpers.js';
import { ensureWebBuilt, WEB_ROOT } from './web-build.js';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt install chromium, or set VIGIL_CHROMIUM)`;
if (skip) console.warn(`skipping browser tests: ${skip}`);
const DEVICES = 5000;
const ZONES = 24;
const map = (page: Page) => page.getByTestId('map');

describe.skipIf(!!skip)('network map at 5,000 devices', () => {
  let fixture: MapStore;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(join(ROOT, 'test/artifacts'), { recursive: true });
    fixture = await buildMapStore({ devices: DEVICES, connections: 15_000, zones: ZONES });
    server = await serve({ db: fixture.db, port: 0, web: WEB_ROOT });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fixture?.cleanup();
  });

  it('draws every device inside its zone, coloured by risk', async () => {
    await page.goto(`${server.url}/map#token=${server.adminToken}`);
    // A loaded CI machine draws this slowly; the bench, not this test, says how slowly is too slow.
    await expect.poll(() => map(page).getAttribute('data-nodes'), { timeout: 90_000 }).toBe(String(DEVICES));
    expect(await map(page).getAttribute('data-zones')).toBe(String(ZONES));
    expect(await page.getByTestId('map-count').textContent()).toMatch(new RegExp(`^${DEVICES} of ${DEVICES} devices, ${fixture.connections} talking pairs`));
    // Every device sits inside its zone's box, and some are coloured by a computed risk (not the grey of "no score").
    const layout = (await page.evaluate(`(() => {
      const cy = document.querySelector('[data-testid=map]')._cyreg.cy;
      const outside = cy.nodes('[size]').filter((n) => {
        const z = cy.getElementById(n.data('zone')).boundingBox();
        const p = n.position();
        return !(p.x > z.x1 && p.x < z.x2 && p.y > z.y1 && p.y < z.y2);
      }).length;
      const colours = new Set(cy.nodes('[size]').map((n) => n.data('colour')));
      return { outside, colours: [...colours] };
    })()`)) as { outside: number; colours: string[] };
    expect(layout.outside).toBe(0);
    expect(layout.colours).not.toContain('#bdc3c7');
    expect(layout.colours.length).toBeGreaterThan(1);
  }, 120_000);

  it('highlights the blast radius of a clicked device', async () => {
    // Zoom in on the busiest device, as a person would, and click it on the canvas.
    const target = (await page.evaluate(`(async () => {
      const cy = document.querySelector('[data-testid=map]')._cyreg.cy;
      const n = cy.nodes('[size]').max((n) => n.data('size')).ele;
      cy.zoom(1);
      cy.center(n);
      await new Promise((r) => cy.one('render', r));
      return { id: n.id(), ...n.renderedPosition() };
    })()`)) as { id: string; x: number; y: number };
    const box = (await map(page).boundingBox())!;
    await page.mouse.click(box.x + target.x, box.y + target.y);
    await expect.poll(() => map(page).getAttribute('data-overlay-device'), { timeout: 30_000 }).toBe(target.id);
    expect(new URL(page.url()).searchParams.get('device')).toBe(target.id);
    expect(Number(await map(page).getAttribute('data-overlay'))).toBeGreaterThan(1);
    expect(await page.getByTestId('map-blast').textContent()).toMatch(/reaches [1-9]\d* devices/);
    await page.screenshot({ path: join(ROOT, 'test/artifacts/map-5000.png') });
  }, 60_000);
});
