import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Link } from '../router';
import { useApi } from '../use-api';

interface Summary { devices: number; mean: number; max: number; aboveTarget: number; safetyAboveTarget: number; privacyAboveTarget: number }
interface Result {
  target: number;
  before: Summary;
  after: Summary;
  devices: { id: number; label: string; before: { score: number }; after: { score: number }; changes: string[] }[];
}

/** A plan of mitigations or a zone move, on a copy of the inputs: risk before and after, nothing changed. */
export function WhatIf() {
  const { data: catalogue } = useApi<{ mitigations: { id: string; label: string }[] }>('/api/mitigations');
  const { data: zones } = useApi<{ id: string; name: string }[]>('/api/zones');
  const { data: taxonomy } = useApi<{ categories: { id: string; label: string }[] }>('/api/taxonomy');
  const [category, setCategory] = useState('');
  const [ids, setIds] = useState('');
  const [mitigation, setMitigation] = useState('micro-segmentation');
  const [zone, setZone] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const run = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    try {
      let deviceIds = ids.split(/[\s,]+/).filter(Boolean).map(Number);
      if (category) deviceIds = deviceIds.concat((await api.get<{ items: { id: number }[] }>(`/api/devices?category=${encodeURIComponent(category)}&limit=1000`)).items.map((d) => d.id));
      if (deviceIds.length === 0) throw new Error('choose a category or give device ids');
      setResult(await api.post<Result>('/api/whatif', { name: 'dashboard plan', actions: [{ deviceIds, ...(mitigation ? { apply: [mitigation] } : {}), ...(zone ? { moveTo: zone } : {}) }] }));
    } catch (err) {
      setFailure((err as Error).message);
    }
  };
  const line = (s: Summary) => `mean ${s.mean}, max ${s.max}; ${s.aboveTarget} devices at or above the target (${s.safetyAboveTarget} by safety, ${s.privacyAboveTarget} by privacy)`;
  return (
    <section>
      <h1>What-if</h1>
      <p className="muted">Try a mitigation or a zone move on a copy of the risk inputs: nothing on the network or in the store changes.</p>
      <form className="inline" onSubmit={run}>
        <select aria-label="Category" value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">every device of category…</option>
          {taxonomy?.categories.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
        </select>
        <input aria-label="Device ids" placeholder="and/or device ids: 12, 40" value={ids} onChange={(e) => setIds(e.target.value)} />
        <select aria-label="Mitigation" value={mitigation} onChange={(e) => setMitigation(e.target.value)}>
          <option value="">no mitigation</option>
          {catalogue?.mitigations.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
        </select>
        <select aria-label="Move to zone" value={zone} onChange={(e) => setZone(e.target.value)}>
          <option value="">stay in its zone</option>
          {zones?.map((z) => <option key={z.id} value={z.id}>move to {z.name}</option>)}
        </select>
        <button type="submit">Run what-if</button>
      </form>
      {failure && <p className="error">{failure}</p>}
      {result && (
        <>
          <p data-testid="whatif-before">Before: {line(result.before)}</p>
          <p data-testid="whatif-after">After: {line(result.after)}</p>
          <table className="list">
            <thead><tr><th>Device</th><th>Risk before</th><th>Risk after</th><th>What changed</th></tr></thead>
            <tbody>{result.devices.slice(0, 300).map((d) => <tr key={d.id}><td><Link to={`/devices/${d.id}`}>{d.label}</Link></td><td>{d.before.score.toFixed(1)}</td><td>{d.after.score.toFixed(1)}</td><td className="facts">{d.changes.join('; ')}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </section>
  );
}
