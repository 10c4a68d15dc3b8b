import { when } from '../clinical';
import { Link } from '../router';
import { useApi } from '../use-api';
import type { RootCause as RootCauseAnswer, RootCauseVia } from '../../forensics/timeline-types';

const via = (v: RootCauseVia) =>
  v.kind === 'alert' ? (
    <>
      alert <Link to={`/alerts?rootCause=${v.alertId}`}>{v.alertId}</Link> {v.rule} ({v.severity}): {v.title}
    </>
  ) : (
    <>a new connection on {v.transport}/{v.port}{v.service ? ` (${v.service})` : ''}</>
  );

/** Patient zero of an alert and the path from it to the alert's device (GET /api/alerts/{id}/root-cause). */
export function RootCause({ alertId }: { alertId: number }) {
  const { data, error } = useApi<RootCauseAnswer>(`/api/alerts/${alertId}/root-cause`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Walking back…</p>;
  return (
    <div className="root-cause" data-testid="root-cause">
      <p>
        Patient zero of alert {data.alertId}: <b><Link to={`/devices/${data.patientZero.id}`}>{data.patientZero.label}</Link></b>
        {data.patientZero.ip && data.patientZero.ip !== data.patientZero.label ? ` (${data.patientZero.ip})` : ''}
        {data.externalSource ? <>, reached from outside address {data.externalSource}</> : null}
      </p>
      <table className="list">
        <thead><tr><th>First seen (UTC)</th><th>Device</th><th>Reached by</th></tr></thead>
        <tbody>
          {data.path.map((s, i) => (
            <tr key={i}>
              <td>{when(s.ts)}</td>
              <td><Link to={`/devices/${s.device.id}`}>{s.device.label}</Link></td>
              <td>{s.via ? via(s.via) : <span className="muted">patient zero</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>Why</summary>
        <ul>{data.explanation.map((l, i) => <li key={i}>{l}</li>)}</ul>
      </details>
    </div>
  );
}
