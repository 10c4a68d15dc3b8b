import { spawn, spawnSync } from 'node:child_process';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, VIGIL } from './cli-helpers.js';

// A real live capture: dumpcap on the loopback interface while this process talks HTTP to itself
// on 127.0.0.1. Needs root (capture rights) and dumpcap; CI has both.
const isRoot = process.getuid?.() === 0;
const haveDumpcap = spawnSync('sh', ['-c', 'command -v dumpcap'], { stdio: 'ignore' }).status === 0;
const skipWhy = !isRoot ? 'not root' : !haveDumpcap ? 'dumpcap is not installed' : '';
if (skipWhy) console.info(`sensor-live.test: skipping the live capture test: ${skipWhy}`);

describe.skipIf(skipWhy !== '')('vigil sensor on a live interface', () => {
  const server = createServer((_req, res) => res.end('ok'));
  let port = 0;
  beforeAll(async () => {
    ensureBuilt();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  it('captures loopback traffic with dumpcap and reports the interface drop counter', async () => {
    const child = spawn(process.execPath, [VIGIL, 'sensor', '-i', 'lo', '--duration', '3', '--json', '--filter', `tcp port ${port}`]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise((r) => setTimeout(r, 1200));
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => get(`http://127.0.0.1:${port}/`, { agent: false }, (res) => res.resume().on('end', resolve)).on('error', () => resolve()));
    }
    expect(await exited).toBe(0);
    const summary = JSON.parse(out);
    expect(summary.files[0].format).toBe('pcapng');
    // Each connection: handshake, request, response, close; at least five packets each.
    expect(summary.packets).toBeGreaterThanOrEqual(5 * 5);
    // Five requests, five TCP connections to the server's port.
    expect(summary.flows).toBe(5);
    expect(summary.files[0].interfaceDrops).toBe(0);
  });
});
