/** Running the real `vigil` launcher (bin/vigil.js over dist/) from the tests. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VIGIL = join(ROOT, 'bin/vigil.js');
const MAIN = join(ROOT, 'dist/src/cli/main.js');
/** Written by every (incremental) build, unlike outputs whose sources did not change. */
const BUILD_INFO = join(ROOT, 'dist/.tsbuildinfo');

function builtAt(): number {
  if (!existsSync(MAIN)) return 0;
  return existsSync(BUILD_INFO) ? statSync(BUILD_INFO).mtimeMs : statSync(MAIN).mtimeMs;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Compile dist/ when it is missing or older than any source file, as `npm run build` does. tsc
 * still writes its output when some unrelated file has a type error; that is reported, not fatal.
 */
export function ensureBuilt(): void {
  if (builtAt() >= newestMtime(join(ROOT, 'src'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (builtAt() < newestMtime(join(ROOT, 'src'))) {
    if (r.status !== 0 || !existsSync(MAIN)) throw new Error(`building dist/ failed:\n${r.stdout}${r.stderr}`);
    // A clean run that wrote nothing: the newer sources were touched, not changed, and dist/ is
    // current. Say so in the stamp, or every test file would ask tsc again.
    const now = new Date();
    utimesSync(existsSync(BUILD_INFO) ? BUILD_INFO : MAIN, now, now);
  }
  if (r.status !== 0) console.warn(`tsc reported errors while building dist/ for the CLI tests:\n${r.stdout}`);
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stderr split into lines, without the trailing empty one. */
  errLines: string[];
}

function toRun(r: SpawnSyncReturns<string>): Run {
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, errLines: r.stderr.split('\n').filter((l) => l.length > 0) };
}

/** A store of its own for each run, so tests never share (or leave) ./vigil.db. */
export function scratchDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'vigil-db-')), 'vigil.db');
}

export function vigil(args: string[], options: { input?: Buffer; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  return toRun(
    spawnSync(process.execPath, [VIGIL, ...args], {
      cwd: options.cwd ?? ROOT,
      input: options.input,
      encoding: 'utf8',
      env: { VIGIL_DB: scratchDb(), ...(options.env ?? process.env) },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    }),
  );
}

export function shell(command: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  return toRun(
    spawnSync('sh', ['-c', command], {
      cwd: options.cwd ?? ROOT,
      encoding: 'utf8',
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    }),
  );
}
