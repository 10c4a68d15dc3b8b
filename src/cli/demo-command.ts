import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeCommand } from './analyze-command.js';

/** The capture `npm start` analyses: made by scripts/make-demo-capture, never edited by hand. */
export const DEMO_CAPTURE = fileURLToPath(new URL('../../../data/demo/hospital-demo.pcapng.gz', import.meta.url));

export async function demoCommand(): Promise<number> {
  if (!existsSync(DEMO_CAPTURE)) {
    process.stderr.write(`vigil: the bundled capture is missing: ${DEMO_CAPTURE}\n`);
    return 2;
  }
  process.stdout.write(`Analysing the bundled capture ${DEMO_CAPTURE}\n\n`);
  // A fresh store each time: the demo shows one analysis of one capture, not an accumulation.
  mkdirSync('out/demo', { recursive: true });
  for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm']) rmSync(`out/demo/${f}`, { force: true });
  const run = await analyzeCommand([DEMO_CAPTURE], { out: 'out/demo', db: 'out/demo/vigil.db' });
  process.stdout.write(`\nOutputs written to out/demo/ (summary.json, flows.jsonl, observations.jsonl, devices.json, vigil.db)\n`);
  process.stdout.write(`List the devices: npx vigil devices --db out/demo/vigil.db\n`);
  return run.rejected.length > 0 ? 2 : 0;
}
