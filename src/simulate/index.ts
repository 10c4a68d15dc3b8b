export { simulate, Simulation, DEFAULTS, type SimulateOptions, type SimulateResult, type Truth, type TruthDevice } from './simulator.js';
export { ATTACKS, type AttackTruth } from './attacks.js';
export { loadCatalogue, loadTopology, defaultKnowledgeDir, parseDuration, CatalogueError } from './catalogue.js';
export { PcapngWriter } from './pcapng-writer.js';
export { Rng } from './rng.js';

import { simulate, type SimulateResult } from './simulator.js';

/**
 * The bundled demo capture for `npm start`: about 150 devices, one attack, well under 20 MiB.
 * `vigil simulate --demo --out data/demo/hospital.pcapng --truth data/demo/hospital-truth.json` does the same.
 */
export const DEMO_OPTIONS = { seed: 20260302, devices: 150, duration: 2700, attacks: ['port-scan'], imageScale: 0.15 } as const;

export function makeDemoCapture(out: string, truth: string): SimulateResult {
  return simulate({ ...DEMO_OPTIONS, attacks: [...DEMO_OPTIONS.attacks], out, truth });
}
