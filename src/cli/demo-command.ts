import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeCommand } from './analyze-command.js';
import { announce, serve } from './serve-command.js';

/** The capture `npm start` analyses: made by scripts/make-demo-capture, never edited by hand. */
export const DEMO_CAPTURE = fileURLToPath(new URL('../../../data/demo/hospital-demo.pcapng.gz', import.meta.url));
/** Its hospital's zones, subnets and VLANs, as the network team would give them to Vigil. */
export const DEMO_SITE = fileURLToPath(new URL('../../../data/demo/hospital-demo.site.yaml', import.meta.url));

/** The demo keeps the capture's packets beside its store, for packet downloads. */
const packetsOf = (db: string) => `${db.replace(/\.db$/, '')}-packets`;

export interface DemoOptions {
  db?: string;
  port?: number;
  /** Analyse only; do not start the server. */
  serve?: boolean;
}

/**
 * What `npm start` runs: analyse the bundled simulated hospital into ./vigil.db unless that store
 * already exists (a second start serves what the first analysed), then serve the dashboard on it.
 */
/** The bundled vulnerability knowledge (and ../shared's advisories when present) matched against the demo hospital, then risk. */
async function assessDemo(db: string): Promise<void> {
  const { InventoryStore } = await import('../store/inventory-store.js');
  const { importDefaultKnowledgeBase } = await import('../vuln/kb-import.js');
  const { assessVulnerabilities } = await import('../vuln/assess.js');
  const { computeRisk } = await import('../risk/device-risk.js');
  const store = await InventoryStore.open(db);
  try {
    const kb = await importDefaultKnowledgeBase(store, { onlyIfChanged: true });
    const a = await assessVulnerabilities(store);
    process.stdout.write(
      `Vulnerabilities  ${kb.cves} CVEs from ${kb.files.length} feed files; ${a.findings} findings on ${a.devicesAffected} devices ` +
        `(${a.byDecision.immediate} immediate, ${a.byDecision['out-of-cycle']} out-of-cycle, ${a.byDecision.scheduled} scheduled, ${a.byDecision.defer} defer)\n`,
    );
    const risk = await computeRisk(store);
    process.stdout.write(`Risk       ${risk.devices} devices scored; highest ${Math.max(0, ...risk.scores.map((r) => r.score)).toFixed(1)}\n`);
  } finally {
    await store.close();
  }
}

export async function demoCommand(options: DemoOptions = {}): Promise<number> {
  const db = options.db ?? './vigil.db';
  if (!existsSync(db)) {
    if (!existsSync(DEMO_CAPTURE)) {
      process.stderr.write(`vigil: the bundled capture is missing: ${DEMO_CAPTURE}\n`);
      return 2;
    }
    process.stdout.write(`Analysing the bundled capture ${DEMO_CAPTURE} into ${db}\n\n`);
    mkdirSync('out/demo', { recursive: true });
    const run = await analyzeCommand([DEMO_CAPTURE], { out: 'out/demo', db, site: existsSync(DEMO_SITE) ? DEMO_SITE : undefined, packetStore: packetsOf(db) });
    if (run.rejected.length > 0) return 2;
    await assessDemo(db);
    process.stdout.write(`\nOutputs written to out/demo/ (summary.json, flows.jsonl, observations.jsonl, devices.json)\n`);
  } else process.stdout.write(`${db} exists: serving it as it is (delete it to analyse the bundled capture again)\n`);
  if (options.serve === false) return 0;
  const s = await serve({ db, port: options.port ?? 8080, packetStore: existsSync(packetsOf(db)) ? packetsOf(db) : undefined });
  announce(s.url, s.adminToken, db);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await s.close();
  return 0;
}
