/**
 * The site file the simulated hospital's network team would keep: its zones with subnets, VLANs and
 * a kind, in the format `vigil analyze --site` reads (see src/inventory/site-zones.ts).
 */
import type { Truth } from './simulator.js';

/** The kind of a zone, from its id and name as the topology data names them. */
function zoneKind(id: string, name: string): string {
  const t = `${id} ${name}`.toLowerCase();
  if (t.includes('guest')) return 'guest';
  if (t.includes('building')) return 'building';
  if (t.includes('management')) return 'management';
  if (t.includes('edge') || t.includes('dmz')) return 'dmz';
  if (/icu|intensive|emergency|ward|operating|radiology|laborator|clinical/.test(t)) return 'clinical';
  return 'it';
}

export function siteFile(truth: Pick<Truth, 'zones'>): string {
  return ['zones:', ...truth.zones.flatMap((z) => [`  - id: ${z.id}`, `    name: ${JSON.stringify(z.name)}`, `    kind: ${zoneKind(z.id, z.name)}`, `    subnets: [${z.subnet}]`, `    vlans: [${z.vlan}]`])].join('\n') + '\n';
}
