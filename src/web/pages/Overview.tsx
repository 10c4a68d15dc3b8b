import { BarChart } from '../components/BarChart';
import { SitePanel } from '../components/SitePanel';
import { SAFETY_COLOURS, SAFETY_ORDER, when } from '../clinical';
import { Link, navigate } from '../router';
import type { Risk } from '../components/RiskFactors';
import { qs } from '../api';
import { useApi } from '../use-api';
import { DECISION_COLOURS, DECISIONS, SEVERITY_COLOURS } from '../security-types';

interface Overview {
  devices: number;
  medical: number;
  phi: number;
  byCategory: { category: string | null; label: string; n: number }[];
  byZone: { zone: string | null; n: number }[];
  bySafety: Record<string, number>;
  workflows: { workflow: string; name: string; instances: number; members: number }[];
  alerts: { open: number; bySeverity: Record<string, number> };
  risk: { scored: number; histogram: { from: number; safety: number; privacy: number }[] };
  vulnerabilities: { findings: number; devices: number; kev: number; byDecision: Record<string, number> };
  captures: { id: number; name: string; packets: number; first_ts: number | null; last_ts: number | null; analysed_at: string }[];
}

function TopRisks() {
  const { data: safety } = useApi<{ items: Risk[] }>('/api/risk?by=safety&limit=8');
  const { data: privacy } = useApi<{ items: Risk[] }>('/api/risk?by=privacy&limit=8');
  return (
    <figure className="chart" data-testid="top-risks">
      <figcaption>Top risks</figcaption>
      <table className="list">
        <thead><tr><th>Patient safety</th><th></th><th>Privacy</th><th></th></tr></thead>
        <tbody>
          {Array.from({ length: Math.max(safety?.items.length ?? 0, privacy?.items.length ?? 0) }, (_, i) => (
            <tr key={i}>
              <td>{safety?.items[i] && <Link to={`/devices/${safety.items[i].deviceId}`}>{safety.items[i].device.label}</Link>}</td>
              <td>{safety?.items[i]?.safety.toFixed(1)}</td>
              <td>{privacy?.items[i] && <Link to={`/devices/${privacy.items[i].deviceId}`}>{privacy.items[i].device.label}</Link>}</td>
              <td>{privacy?.items[i]?.privacy.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function Overview() {
  const { data, error } = useApi<Overview>('/api/overview');
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">Loading…</p>;
  const last = data.captures[data.captures.length - 1];
  return (
    <section>
      <h1>Overview</h1>
      <div className="tiles">
        <div className="tile" data-testid="tile-devices">
          <b>{data.devices}</b> devices
        </div>
        <div className="tile">
          <b>{data.medical}</b> medical devices and clinical systems
        </div>
        <div className="tile">
          <b>{data.phi}</b> holding or moving patient data
        </div>
        <div className="tile">
          <b>{data.workflows.reduce((n, w) => n + w.instances, 0)}</b> clinical workflows
        </div>
        <div className="tile clickable" data-testid="tile-alerts" onClick={() => navigate('/alerts?status=new')}>
          <b>{data.alerts.open}</b> open alerts
        </div>
        <div className="tile clickable" data-testid="tile-immediate" onClick={() => navigate('/vulnerabilities?decision=immediate')}>
          <b>{data.vulnerabilities.byDecision.immediate ?? 0}</b> vulnerabilities to act on now ({data.vulnerabilities.devices} devices affected)
        </div>
      </div>
      <SitePanel />
      <div className="charts">
        <BarChart title="Risk by patient safety (devices per band)" colour="#c0392b" rows={[...data.risk.histogram].reverse().map((h) => ({ key: String(h.from), label: `${h.from}-${h.from + 10}`, value: h.safety }))} onSelect={() => navigate('/risk')} />
        <BarChart title="Risk by privacy (devices per band)" colour="#2e86c1" rows={[...data.risk.histogram].reverse().map((h) => ({ key: String(h.from), label: `${h.from}-${h.from + 10}`, value: h.privacy }))} onSelect={() => navigate('/risk')} />
        <TopRisks />
        <BarChart
          title="Devices by patient-safety class"
          rows={SAFETY_ORDER.filter((k) => data.bySafety[k]).map((k) => ({ key: k, label: k, value: data.bySafety[k], colour: SAFETY_COLOURS[k] }))}
          onSelect={(k) => k !== 'unknown' && navigate(`/inventory${qs({ safety: k })}`)}
        />
        <BarChart title="Vulnerability decisions (SSVC)" rows={DECISIONS.map((k) => ({ key: k, label: k, value: data.vulnerabilities.byDecision[k] ?? 0, colour: DECISION_COLOURS[k] }))} onSelect={(k) => navigate(`/vulnerabilities?decision=${k}`)} />
        <BarChart title="Open alerts by severity" rows={['critical', 'high', 'medium', 'low'].map((k) => ({ key: k, label: k, value: data.alerts.bySeverity[k] ?? 0, colour: SEVERITY_COLOURS[k] }))} onSelect={(k) => navigate(`/alerts?severity=${k}`)} />
        <BarChart title="Devices by category" rows={data.byCategory.slice(0, 20).map((c) => ({ key: c.category ?? '', label: c.label, value: c.n }))} onSelect={(k) => k && navigate(`/inventory${qs({ category: k })}`)} />
        <BarChart title="Devices by zone" colour="#16a085" rows={data.byZone.slice(0, 20).map((z) => ({ key: z.zone ?? '', label: z.zone ?? 'no zone', value: z.n }))} onSelect={(k) => k && navigate(`/inventory${qs({ zone: k })}`)} />
        <BarChart title="Clinical workflows (devices taking part)" colour="#5d6d7e" rows={data.workflows.map((w) => ({ key: w.workflow, label: w.name, value: w.members }))} onSelect={() => navigate('/workflows')} />
      </div>
      <p className="muted">
        {last && ` Last capture analysed: ${last.name}, ${last.packets} packets, ${when(last.first_ts)} to ${when(last.last_ts)} UTC.`}
      </p>
    </section>
  );
}
