/**
 * The configuration the candidate must get in this hospital: its zone, the allowlist of the flows it
 * needs (intended peers, as the same category is observed using them, plus the infrastructure services
 * the category uses), the services to disable (what the same category exposes that
 * knowledge/procure/mds2-controls.json calls risky, and what the MDS2 says stays enabled), the
 * credentials to change, and the logging to turn on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import type { InventoryStore } from '../store/inventory-store.js';
import type { Candidate } from './candidate.js';
import type { Flow, Placement } from './intended-peers.js';
import type { Gap, ProcureKnowledge } from './mds2-controls.js';
import { answerOf, type Mds2Form } from './mds2-reader.js';

export interface SecureConfiguration {
  zone: { id: string; kind: string | null; advice: string };
  allow: { from: string; to: string; service: string; basis: string }[];
  /** Infrastructure services the same category uses (DNS, NTP, syslog...), with the servers seen. */
  infrastructure: { service: string; servers: string[] }[];
  denyEverythingElse: string;
  disable: { service: string; why: string }[];
  credentials: string[];
  logging: string[];
}

const ENTRY_ZONE_KINDS = new Set(['guest', 'dmz', 'it']);

function infrastructureServices(): { name: string; transport: string; port: number }[] {
  const doc = JSON.parse(readFileSync(join(knowledgeDir(), 'risk', 'infrastructure-services.json'), 'utf8')) as { services: { name: string; transport: string; port: number }[] };
  return doc.services;
}

export async function secureConfiguration(store: InventoryStore, c: Candidate, placement: Placement, form: Mds2Form | undefined, gaps: Gap[], k: ProcureKnowledge): Promise<SecureConfiguration> {
  const me = `${c.vendor} ${c.model}`;
  const zoneCount = new Map<string, number>();
  for (const d of placement.sameCategory) if (d.zone) zoneCount.set(d.zone, (zoneCount.get(d.zone) ?? 0) + 1);
  const usual = [...zoneCount].sort((a, b) => b[1] - a[1])[0]?.[0];
  const kind = placement.zone?.kind ?? null;
  let advice = placement.zoneUnknown ? `zone ${c.zone} is not one of the site's zones: define it in the site file first` : `zone ${c.zone} (${kind})`;
  if (kind && ENTRY_ZONE_KINDS.has(kind)) advice += `: a ${kind} zone is an entry point for attackers; place it in a clinical zone${usual ? ` such as ${usual}, where ${zoneCount.get(usual)} devices of its category are` : ''}`;
  else if (usual && usual !== c.zone) advice += `; devices of its category are mostly in ${usual} (${zoneCount.get(usual)})`;

  const svc = (f: Flow) => `${f.transport}/${f.port}${f.service ? ` (${f.service})` : ''}`;
  const peer = (f: Flow) => (f.peer.ip && f.peer.ip !== f.peer.label ? `${f.peer.label} ${f.peer.ip}` : f.peer.label);
  const allow = placement.flows.map((f) => (f.direction === 'to-peer' ? { from: me, to: peer(f), service: svc(f), basis: f.basis } : { from: peer(f), to: me, service: svc(f), basis: f.basis }));

  const sameIds = placement.sameCategory.map((d) => d.id);
  const infra = infrastructureServices();
  const infrastructure = new Map<string, Set<string>>();
  const disable = new Map<string, string>();
  const credentials: string[] = [];
  if (sameIds.length) {
    const conns = await store.db
      .selectFrom('connections')
      .innerJoin('devices as s', 's.id', 'connections.server_id')
      .select(['transport', 'port', 's.hostname', 's.ip'])
      .where('client_id', 'in', sameIds)
      .execute();
    for (const r of conns) {
      const i = infra.find((x) => x.transport === r.transport && x.port === Number(r.port));
      if (!i) continue;
      const key = `${i.name} ${i.transport}/${i.port}`;
      if (!infrastructure.has(key)) infrastructure.set(key, new Set());
      infrastructure.get(key)!.add(r.hostname ?? r.ip ?? '?');
    }
    const listening = await store.db.selectFrom('services').select(['transport', 'port', 'device_id']).where('device_id', 'in', sameIds).where('direction', '=', 'listen').execute();
    for (const l of listening) {
      const risky = k.riskyServices.find((x) => x.transport === l.transport && x.port === Number(l.port));
      if (risky) disable.set(`${risky.name} ${risky.transport}/${risky.port}`, `${risky.why}; seen listening on ${listening.filter((x) => x.transport === l.transport && x.port === l.port).length} ${c.category} device(s) here`);
    }
    const facts = await store.db.selectFrom('observations').select(['key', 'value', 'device_id']).where('device_id', 'in', sameIds).where('key', 'in', k.credentialFacts.map((f) => f.key)).execute();
    for (const f of k.credentialFacts) {
      const n = new Set(facts.filter((o) => o.key === f.key && (f.equals === undefined || o.value === f.equals)).map((o) => o.device_id)).size;
      if (n) credentials.push(`${f.advice} (seen on ${n} ${c.category} device${n > 1 ? 's' : ''} here)`);
    }
  }
  const gap = (q: string) => gaps.find((g) => g.question === q);
  if (gap('SAHD-9')) for (const r of k.riskyServices.filter((x) => ['telnet', 'ftp', 'tftp'].includes(x.name))) if (![...disable.keys()].some((d) => d.startsWith(r.name))) disable.set(`${r.name} ${r.transport}/${r.port}`, `${r.why}; MDS2 SAHD-9 says unneeded services are not disabled`);
  if (gap('SAHD-8')) disable.set('every port not in the allowlist', 'MDS2 SAHD-8 says unneeded ports stay open: block them at the VLAN boundary');
  if (answerOf(form, 'RMOT-1') === 'Yes') disable.set('vendor remote-access tool (always-on)', 'remote service only through the hospital gateway, per session');

  credentials.unshift('change every default and service account password at commissioning (record them in the hospital password vault, never in this report)');
  if (gap('PAUT-4') || gap('PAUT-5')) credentials.push('MDS2 says some default accounts or passwords cannot be changed: restrict the services they open to the biomedical engineering jump host');
  if (answerOf(form, 'PAUT-2') === 'Yes') credentials.push('authenticate users against the hospital directory (PAUT-2)');

  const logging: string[] = [];
  const yes = (q: string) => answerOf(form, q) === 'Yes';
  if (yes('AUDT-5.2')) logging.push('send the audit trail to the SIEM with IHE ATNA (AUDT-5.2)');
  else if (yes('AUDT-5')) logging.push('export the audit log to the SIEM (AUDT-5)');
  if (yes('AUDT-3')) logging.push('record login, logout, failed login, user and privilege changes, data export and remote sessions (AUDT-3: events selectable)');
  if (yes('AUDT-4.1.1')) logging.push("synchronise the clock with the hospital's NTP servers (AUDT-4.1.1)");
  if (yes('MLDP-2.7')) logging.push('forward malware notifications (MLDP-2.7)');
  if (gap('AUDT-1') || !yes('AUDT-1')) logging.push('the device keeps no usable audit log: Vigil monitors its conversations; alert on any flow outside the allowlist');
  logging.push('log every denied flow to or from the device at the VLAN boundary');

  return {
    zone: { id: c.zone, kind, advice },
    allow,
    infrastructure: [...infrastructure].map(([service, servers]) => ({ service, servers: [...servers].sort() })),
    denyEverythingElse: `deny and log every other flow to or from ${me}`,
    disable: [...disable].map(([service, why]) => ({ service, why })),
    credentials,
    logging,
  };
}
