/** Builds the dashboard (vite) when dist/web is missing or older than its sources, as `npm run build` does. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../cli/cli-helpers.js';

const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));

export const WEB_ROOT = join(ROOT, 'dist/web');

export function ensureWebBuilt(): void {
  const index = join(WEB_ROOT, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'src/web'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'src/web/vite.config.ts'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(index)) throw new Error(`building the dashboard failed:\n${r.stdout}${r.stderr}`);
}
