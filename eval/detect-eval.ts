/**
 * `npm run eval` (detection part): recall of labelled attack windows and false alerts per device-day,
 * scored against the simulator's ground truth. For each seed, two hospitals are simulated from the same
 * seed: one with every attack, one attack-free; each is analysed (`vigil analyze` with detection, into a
 * fresh store so categories give clinical context) with a site file and an approval file, as a hospital
 * would write them: its zones, and its contracted vendor remote services (the catalogue's HTTPS workflows to
 * vendor endpoints; TeamViewer is not a contract but a hazard).
 *
 * An attack window is recalled when an alert of medium or above overlaps [start - 60 s, end + 600 s] and
 * names one of the attack's attackers, victims or external addresses. On the attack-free hospital every
 * alert of medium or above is false, except those about a device the truth lists with a hazard (a real
 * finding: TeamViewer on a CT, a controller published to the internet...), counted apart.
 *
 *   node dist/eval/detect-eval.js [--seeds 1,2] [--devices 400] [--duration 2h]
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCommand } from '../src/cli/analyze-command.js';
import { severityRank, type Alert } from '../src/detect/alert.js';
import { simulate, parseDuration, ATTACKS, type Truth } from '../src/simulate/index.js';
import { siteFile } from '../src/simulate/site-file.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, 'eval', '.cache', 'detect');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Vendor remote-service domains the simulated hospital has contracts for. */
function vendorServices(): string[] {
  const doc = JSON.parse(readFileSync(join(ROOT, 'knowledge', 'simulator', 'catalogue.json'), 'utf8')) as unknown;
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'https' && typeof o.to === 'string' && !o.to.startsWith('role:') && !/teamviewer|anydesk/i.test(o.to)) found.add(o.to);
      Object.values(o).forEach(walk);
    }
  };
  walk(doc);
  return [...found].sort();
}

async function analyse(capture: string, truth: Truth, dir: string, approved: string): Promise<Alert[]> {
  const site = join(dir, 'site.yaml');
  writeFileSync(site, siteFile(truth));
  const out = join(dir, 'out');
  await analyzeCommand([capture], { db: join(dir, 'vigil.db'), quiet: true, site, out, approved: [approved] });
  return readFileSync(join(out, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
}

function ipsOf(truth: Truth): Map<string, string[]> {
  return new Map(truth.devices.map((d) => [d.id, d.ips]));
}

async function main(): Promise<void> {
  const seeds = arg('--seeds', '1,2').split(',').map(Number);
  const devices = Number(arg('--devices', '400'));
  const duration = parseDuration(arg('--duration', '2h'));
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  const approved = join(CACHE, 'approved.json');
  writeFileSync(approved, JSON.stringify({ domains: vendorServices(), addresses: [] }, null, 2));
  let windows = 0;
  let recalled = 0;
  let falseAlerts = 0;
  let hazardAlerts = 0;
  let deviceDays = 0;
  const perType = new Map<string, { n: number; hit: number; rules: Set<string> }>();
  const misses: string[] = [];
  const falses: string[] = [];
  for (const seed of seeds) {
    for (const withAttacks of [true, false]) {
      const dir = join(CACHE, `seed-${seed}-${withAttacks ? 'attacks' : 'clean'}`);
      mkdirSync(dir, { recursive: true });
      const capture = join(dir, 'hospital.pcapng');
      const sim = simulate({ seed, devices, duration, out: capture, truth: join(dir, 'truth.json'), attacks: withAttacks ? Object.keys(ATTACKS) : [], imageScale: 0.2 });
      const truth = sim.truth;
      const alerts = (await analyse(capture, truth, dir, approved)).filter((a) => severityRank(a.severity) >= severityRank('medium'));
      const ips = ipsOf(truth);
      if (withAttacks) {
        for (const at of truth.attacks) {
          windows++;
          const start = Date.parse(at.start) / 1000 - 60;
          const end = Date.parse(at.end) / 1000 + 600;
          const involved = new Set([...at.attackers, ...at.victims].flatMap((id) => ips.get(id) ?? []).concat(at.external));
          const macs = new Set([...at.attackers, ...at.victims].flatMap((id) => truth.devices.find((d) => d.id === id)?.macs ?? []).map((m) => m.toLowerCase()));
          const hits = alerts.filter((a) => a.firstTs <= end && a.lastTs >= start && (involved.has(a.srcIp) || involved.has(a.dstIp ?? '') || involved.has(a.device.ip) || macs.has(a.device.mac ?? '')));
          const t = perType.get(at.type) ?? { n: 0, hit: 0, rules: new Set<string>() };
          t.n++;
          if (hits.length > 0) {
            recalled++;
            t.hit++;
            for (const h of hits) t.rules.add(h.rule);
          } else misses.push(`seed ${seed}: ${at.type} ${at.start}..${at.end} (${at.description})`);
          perType.set(at.type, t);
        }
      } else {
        const hazardIps = new Set(truth.hazards.flatMap((h) => h.devices.flatMap((id) => ips.get(id) ?? [])));
        deviceDays += (truth.devices.length * duration) / 86400;
        for (const a of alerts) {
          if (hazardIps.has(a.device.ip) || hazardIps.has(a.srcIp) || hazardIps.has(a.dstIp ?? '')) hazardAlerts++;
          else {
            falseAlerts++;
            falses.push(`seed ${seed}: ${a.severity} ${a.rule} ${a.title}`);
          }
        }
      }
    }
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  process.stdout.write(`\nDetection against simulator ground truth (seeds ${seeds.join(',')}, ${devices} devices, ${duration} s each)\n`);
  process.stdout.write(`attack type               windows  recalled  by\n`);
  for (const [type, t] of [...perType].sort()) process.stdout.write(`${type.padEnd(25)} ${String(t.n).padStart(7)}  ${String(t.hit).padStart(8)}  ${[...t.rules].sort().join(', ')}\n`);
  process.stdout.write(`recall of attack windows: ${recalled}/${windows} = ${pct(windows ? recalled / windows : 0)} (target >= 95 %)\n`);
  process.stdout.write(`attack-free hospitals: ${falseAlerts} false alerts (medium or above) over ${deviceDays.toFixed(2)} device-days = ${(deviceDays ? falseAlerts / deviceDays : 0).toFixed(2)} per device-day (target <= 1); ${hazardAlerts} more about labelled hazards\n`);
  for (const m of misses) process.stdout.write(`  missed: ${m}\n`);
  for (const f of falses.slice(0, 30)) process.stdout.write(`  false: ${f}\n`);
}

await main();
