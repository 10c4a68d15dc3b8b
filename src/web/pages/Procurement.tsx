import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { useApi } from '../use-api';

interface Answer {
  report: { risk: { score: { score: number; safety: number; privacy: number }; rank: number; of: number; withGuideline: { score: { score: number }; reduction: number } }; vulnerabilities: { findings: unknown[] }; gaps: { gaps: unknown[]; openQuestions: unknown[] }; clauses: unknown[] };
  html: string;
}

const toBase64 = async (f: File) => {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

/** Secure before procure: the candidate, its MDS2 form and SBOM in; the assessment in this hospital out. */
export function Procurement() {
  const { data: taxonomy } = useApi<{ categories: { id: string; label: string }[] }>('/api/taxonomy');
  const { data: zones } = useApi<{ id: string; name: string; site: string | null }[]>('/api/zones');
  const [form, setForm] = useState({ vendor: '', model: '', softwareVersion: '', category: 'infusion-pump', zone: '', peers: '', count: '1', listens: '' });
  const [mds2, setMds2] = useState<File | null>(null);
  const [sbom, setSbom] = useState<File | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = (k: keyof typeof form, label: string) => <label>{label}<input aria-label={label} value={form[k]} onChange={(e) => setForm({ ...form, [k]: e.target.value })} /></label>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const zone = zones?.find((z) => z.id === form.zone);
      const candidate = { ...form, site: zone?.site ?? 'main', count: Number(form.count), peers: form.peers.split(',').map((p) => p.trim()).filter(Boolean), listens: form.listens.split(',').map((p) => p.trim()).filter(Boolean) };
      setAnswer(await api.post<Answer>('/api/procure/assess', { candidate, ...(mds2 ? { mds2Base64: await toBase64(mds2) } : {}), ...(sbom ? { sbom: await sbom.text() } : {}) }));
    } catch (err) {
      setFailure((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>Procurement</h1>
      <p className="muted">Model a device's risk in this hospital before it is bought: its known vulnerabilities, where it would sit, the gaps its MDS2 form declares, the controls and contract clauses to ask for, and the configuration it must get.</p>
      <form className="procure" onSubmit={submit}>
        {field('vendor', 'Vendor')}
        {field('model', 'Model')}
        {field('softwareVersion', 'Software version')}
        <label>Category<select aria-label="Category" value={form.category} onChange={(e) => setForm({ ...form, category: e.target.value })}>{taxonomy?.categories.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}</select></label>
        <label>Intended zone<select aria-label="Intended zone" value={form.zone} onChange={(e) => setForm({ ...form, zone: e.target.value })}><option value="">choose…</option>{zones?.map((z) => <option key={z.id} value={z.id}>{z.name}</option>)}</select></label>
        {field('peers', 'Intended peers (names, IPs or roles: pacs, hl7-engine, pump-server)')}
        {field('listens', 'Services it listens on (tcp/443 https, ...)')}
        {field('count', 'How many')}
        <label>MDS2 form (XLSX)<input aria-label="MDS2 form" type="file" accept=".xlsx" onChange={(e) => setMds2(e.target.files?.[0] ?? null)} /></label>
        <label>SBOM (CycloneDX or SPDX JSON)<input aria-label="SBOM" type="file" accept=".json" onChange={(e) => setSbom(e.target.files?.[0] ?? null)} /></label>
        <button type="submit" disabled={busy}>{busy ? 'Assessing…' : 'Assess'}</button>
      </form>
      {failure && <pre className="error">{failure}</pre>}
      {answer && (
        <>
          <p data-testid="procure-summary">
            Projected risk <b>{answer.report.risk.score.score}</b> (safety {answer.report.risk.score.safety}, privacy {answer.report.risk.score.privacy}), rank {answer.report.risk.rank} of {answer.report.risk.of} devices, <b>{answer.report.risk.withGuideline.score.score}</b> with the secure configuration applied ({answer.report.risk.withGuideline.reduction} lower); {answer.report.vulnerabilities.findings.length} known vulnerabilities; {answer.report.gaps.gaps.length} MDS2 gaps, {answer.report.gaps.openQuestions.length} open questions; {answer.report.clauses.length} contract clauses.
          </p>
          <button type="button" onClick={() => { const a = document.createElement('a'); a.href = URL.createObjectURL(new Blob([answer.html], { type: 'text/html' })); a.download = 'vigil-procurement.html'; a.click(); }}>Download the report (HTML)</button>
          <iframe title="Procurement report" className="report" sandbox="" srcDoc={answer.html} />
        </>
      )}
    </section>
  );
}
