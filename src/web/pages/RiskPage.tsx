import { Fragment, useState } from 'react';
import { RiskFactors, type Risk } from '../components/RiskFactors';
import { Link } from '../router';
import { useApi } from '../use-api';

function Ranking({ by }: { by: 'safety' | 'privacy' }) {
  const { data, error } = useApi<{ total: number; items: Risk[] }>(`/api/risk?by=${by}&limit=50`);
  const [open, setOpen] = useState<number | null>(null);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">Loading…</p>;
  return (
    <div className="ranking">
      <h2>By {by === 'safety' ? 'patient safety' : 'privacy'}</h2>
      <table className="list" data-testid={`ranking-${by}`}>
        <thead><tr><th>Score</th><th>Device</th><th>Category</th><th>Zone</th><th></th></tr></thead>
        <tbody>
          {data.items.map((r) => (
            <Fragment key={r.deviceId}>
              <tr>
                <td><b>{(by === 'safety' ? r.safety : r.privacy).toFixed(1)}</b></td>
                <td><Link to={`/devices/${r.deviceId}`}>{r.device.label}</Link></td>
                <td>{r.device.category}</td>
                <td>{r.device.zone}</td>
                <td><button type="button" onClick={() => setOpen(open === r.deviceId ? null : r.deviceId)}>{open === r.deviceId ? 'Hide' : 'Why'}</button></td>
              </tr>
              {open === r.deviceId && <tr><td colSpan={5}><RiskFactors risk={r} /></td></tr>}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RiskPage() {
  return (
    <section>
      <h1>Risk</h1>
      <p className="muted">Each score is 100 × likelihood × impact (docs/risk.md): likelihood from the device's vulnerability decisions, who reaches it and risky behaviour seen on the wire; impact from its patient-safety class scaled by criticality (workflows served, devices that could take over), or from the patient data it holds or moves.</p>
      <div className="cards">
        <Ranking by="safety" />
        <Ranking by="privacy" />
      </div>
    </section>
  );
}
