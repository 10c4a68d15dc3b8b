/**
 * The vendor's MDS2 answers checked against what Vigil saw devices of the same vendor and model do on
 * this network (knowledge/procure/mds2-controls.json `declaredVsObserved`): a declared answer contradicted
 * by an observation is a finding; a question the form leaves open that traffic can answer is proposed.
 */
import type { InventoryStore } from '../store/inventory-store.js';
import { vendorKeys } from '../vuln/vendor-key.js';
import type { Candidate } from './candidate.js';
import type { ProcureKnowledge } from './mds2-controls.js';
import type { Mds2Form } from './mds2-reader.js';

export interface DeclaredVsObserved {
  /** Live devices of the same vendor and model. */
  devices: { id: number; label: string; firmware: string | null }[];
  findings: { question: string; declared: string; observed: string; devices: string[]; finding: string }[];
  /** Answers traffic suggests for questions the form leaves open (or when there is no form). */
  proposed: { question: string; answer: string; because: string }[];
  listening: { service: string; devices: number }[];
}

const words = (s: string | null) => (s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

export async function declaredVsObserved(store: InventoryStore, c: Candidate, form: Mds2Form | undefined, k: ProcureKnowledge): Promise<DeclaredVsObserved> {
  const keys = vendorKeys();
  const vk = keys.key(c.vendor);
  const rows = await store.db.selectFrom('devices').select(['id', 'hostname', 'ip', 'vendor', 'model', 'firmware']).where('model', 'is not', null).execute();
  const devices = rows.filter((r) => r.vendor && keys.key(r.vendor) === vk && words(r.model) === words(c.model)).map((r) => ({ id: Number(r.id), label: r.hostname ?? r.ip ?? String(r.id), firmware: r.firmware }));
  const out: DeclaredVsObserved = { devices, findings: [], proposed: [], listening: [] };
  if (devices.length === 0) return out;
  const ids = devices.map((d) => d.id);
  const label = new Map(devices.map((d) => [d.id, d.label]));
  const allKeys = [...new Set(k.declaredVsObserved.flatMap((x) => x.observedKeys))];
  const obs = await store.db.selectFrom('observations').select(['device_id', 'key', 'value']).where('device_id', 'in', ids).where('key', 'in', allKeys).execute();
  for (const check of k.declaredVsObserved) {
    const hits = obs.filter((o) => check.observedKeys.includes(o.key) && (check.observedEquals === undefined || o.value === check.observedEquals));
    const q = form?.questions.get(check.question);
    const seenOn = [...new Set(hits.map((h) => label.get(Number(h.device_id))!))];
    const observed = [...new Set(hits.map((h) => h.key))].join(', ');
    if (q?.answer && check.declared.includes(q.answer)) {
      if (hits.length) out.findings.push({ question: check.question, declared: q.answer, observed, devices: seenOn, finding: check.finding });
    } else if (!q?.answer && hits.length) {
      // Traffic proves the opposite of the declaration the check guards: that is the answer to propose.
      const answer = check.declared[0] === 'Yes' ? 'No' : 'Yes';
      out.proposed.push({ question: check.question, answer, because: `${observed} seen on ${seenOn.join(', ')}` });
    }
  }
  const listen = await store.db.selectFrom('services').select(['transport', 'port', 'service', 'device_id']).where('device_id', 'in', ids).where('direction', '=', 'listen').execute();
  const byService = new Map<string, Set<number>>();
  for (const l of listen) {
    const s = `${l.transport}/${l.port}${l.service ? ` ${l.service}` : ''}`;
    if (!byService.has(s)) byService.set(s, new Set());
    byService.get(s)!.add(Number(l.device_id));
  }
  out.listening = [...byService].map(([service, d]) => ({ service, devices: d.size })).sort((a, b) => b.devices - a.devices || a.service.localeCompare(b.service));
  if (c.listens.length) {
    const declared = new Set(c.listens.map((s) => s.split(' ')[0]));
    const extra = out.listening.filter((l) => !declared.has(l.service.split(' ')[0]));
    if (extra.length) out.findings.push({ question: 'CONN-2', declared: c.listens.join(', '), observed: extra.map((e) => e.service).join(', '), devices: devices.map((d) => d.label), finding: 'Listening on ports the vendor did not declare.' });
  }
  return out;
}
