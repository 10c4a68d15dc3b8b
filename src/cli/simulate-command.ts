/** `vigil simulate`: writes a synthetic hospital capture (pcapng) and its ground truth (JSON). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { siteFile } from '../simulate/site-file.js';
import { ATTACKS, DEFAULTS, DEMO_OPTIONS, parseDuration, simulate, type SimulateResult } from '../simulate/index.js';

export interface SimulateCommandOptions {
  seed?: string | number;
  devices?: string | number;
  /** "2h", "90m", "3600" (seconds). */
  duration?: string | number;
  /** Comma-separated attack names, or "all". */
  attacks?: string | string[];
  out: string;
  truth?: string;
  /** Use the bundled demo settings (150 devices, 1 h, one attack, small images). */
  demo?: boolean;
  imageScale?: string | number;
  rateScale?: string | number;
  knowledgeDir?: string;
  quiet?: boolean;
  /** Also write the hospital's site file (YAML) here. */
  site?: string;
}

function int(name: string, v: string | number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min} (got ${v})`);
  return n;
}

export function simulateCommand(opts: SimulateCommandOptions): SimulateResult {
  if (!opts.out) throw new Error('--out FILE.pcapng is required');
  let attacks: string[] = [];
  if (Array.isArray(opts.attacks)) attacks = opts.attacks;
  else if (opts.attacks === 'all') attacks = Object.keys(ATTACKS);
  else if (opts.attacks) attacks = opts.attacks.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of attacks) if (!ATTACKS[a]) throw new Error(`unknown attack "${a}"; known: ${Object.keys(ATTACKS).join(', ')}`);
  const base = opts.demo ? { ...DEMO_OPTIONS, attacks: [...DEMO_OPTIONS.attacks] as string[] } : { seed: DEFAULTS.seed, devices: DEFAULTS.devices, duration: DEFAULTS.duration, attacks: [] as string[], imageScale: 1 };
  const duration = opts.duration === undefined ? base.duration : parseDuration(opts.duration);
  if (!(duration > 0 && duration <= 7 * 86400)) throw new Error(`--duration must be between 1s and 7d (got ${opts.duration})`);
  const truth = opts.truth ?? opts.out.replace(/\.pcapng$/i, '') + '.truth.json';
  const r = simulate({
    seed: int('--seed', opts.seed, base.seed, 0),
    devices: int('--devices', opts.devices, base.devices, 30),
    duration,
    attacks: attacks.length || opts.attacks !== undefined ? attacks : base.attacks,
    imageScale: opts.imageScale === undefined ? base.imageScale : Number(opts.imageScale),
    rateScale: opts.rateScale === undefined ? 1 : Number(opts.rateScale),
    knowledgeDir: opts.knowledgeDir,
    out: resolve(opts.out),
    truth: resolve(truth),
  });
  if (opts.site) writeFileSync(opts.site, siteFile(r.truth));
  if (!opts.quiet) {
    process.stderr.write(`wrote ${opts.out}: ${r.packets} packets, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, ${r.devices} devices, ` +
      `${r.truth.attacks.length} attacks in ${r.seconds.toFixed(1)} s (${(r.bytes / 1e6 / r.seconds).toFixed(0)} MB/s); truth in ${truth}\n`);
  }
  return r;
}
