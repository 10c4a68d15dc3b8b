/**
 * Risk against the simulator's labelled hazards: for each hazard type in the truth file (telnet,
 * Windows 7, default SNMP community, cleartext HL7 and DICOM, guest Wi-Fi reaching a clinical device,
 * a device published to the internet, a remote-access tool), how many of its devices carry the risk
 * factor that names it. Uses the stores `inventory-eval` leaves in eval/.cache (seed-N.db), so run it
 * after that one (`npm run eval` runs both).
 *
 *   node dist/eval/risk-eval.js [--seeds 1,2,3] [--devices 500] [--duration 30m]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeRisk } from '../src/risk/device-risk.js';
import { parseDuration, type Truth } from '../src/simulate/index.js';
import { InventoryStore } from '../src/store/inventory-store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'eval', '.cache');

/** The risk factor that should name each hazard the simulator plants. */
const FACTOR_OF_HAZARD: Record<string, string> = {
  telnet: 'telnet',
  'remote-access-tool': 'remote-access-tool',
  'windows-7': 'end-of-life-os',
  'snmp-public': 'snmp-default-community',
  'internet-reachable': 'exposure-internet',
  'guest-to-clinical': 'exposure-guest',
  'cleartext-hl7': 'cleartext-phi-hl7',
  'cleartext-dicom': 'cleartext-phi-dicom',
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const seeds = arg('seeds', '1,2,3').split(',').map(Number);
  const devices = Number(arg('devices', '500'));
  const duration = parseDuration(arg('duration', '30m'));
  const totals = new Map<string, { found: number; of: number }>();
  for (const seed of seeds) {
    const db = join(CACHE, `seed-${seed}.db`);
    const truthFile = join(CACHE, `hospital-${seed}-${devices}-${duration}.pcapng.truth.json`);
    if (!existsSync(db) || !existsSync(truthFile)) {
      process.stderr.write(`risk-eval: no ${db} or ${truthFile}; run node dist/eval/inventory-eval.js first\n`);
      process.exitCode = 2;
      return;
    }
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
    const store = await InventoryStore.open(db);
    try {
      await computeRisk(store);
      const macOwner = new Map((await store.db.selectFrom('device_identifiers').select(['device_id', 'value']).where('kind', '=', 'mac').execute()).map((r) => [r.value, Number(r.device_id)]));
      const factors = new Map((await store.db.selectFrom('device_risk').select(['device_id', 'factors']).execute()).map((r) => [Number(r.device_id), new Set((JSON.parse(r.factors) as [string][]).map(([id]) => id))]));
      const byId = new Map(truth.devices.map((d) => [d.id, d]));
      for (const h of truth.hazards) {
        const factor = FACTOR_OF_HAZARD[h.type];
        if (!factor) continue;
        // A guest laptop reaching a clinical device is the hazard's cause; the clinical device is what it exposes.
        const subjects = h.type === 'guest-to-clinical' ? h.devices.filter((id) => byId.get(id)?.category !== 'guest') : h.devices;
        const t = totals.get(h.type) ?? { found: 0, of: 0 };
        for (const id of subjects) {
          const d = byId.get(id);
          const owners = new Set((d?.macs ?? []).map((m) => macOwner.get(m)).filter((x): x is number => x !== undefined));
          t.of++;
          if ([...owners].some((o) => factors.get(o)?.has(factor))) t.found++;
        }
        totals.set(h.type, t);
      }
    } finally {
      await store.close();
    }
  }
  console.log(`Risk factors for the simulator's labelled hazards (seeds ${seeds.join(',')}):`);
  let found = 0;
  let of = 0;
  for (const [type, t] of [...totals].sort()) {
    console.log(`  ${type.padEnd(20)} -> ${FACTOR_OF_HAZARD[type].padEnd(24)} ${t.found}/${t.of}  recall ${(t.of ? t.found / t.of : 0).toFixed(3)}`);
    found += t.found;
    of += t.of;
  }
  console.log(`  all hazards${' '.repeat(36)} ${found}/${of}  recall ${(of ? found / of : 0).toFixed(3)}`);
}

await main();
