import { Link } from '../router';
import { useApi } from '../use-api';
import type { WorkflowInstance } from '../../graph/workflows';

type Instance = WorkflowInstance;

export function Workflows() {
  const { data, error } = useApi<Instance[]>('/api/workflows');
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">Loading…</p>;
  return (
    <section>
      <h1>Clinical workflows</h1>
      {data.length === 0 && <p className="muted">No clinical workflow recognised in this store.</p>}
      {data.map((w, i) => (
        <details key={i} className="workflow">
          <summary>
            <b>{w.name}</b>: {w.hub.part} <Link to={`/devices/${w.hub.id}`}>{w.hub.label}</Link>,{' '}
            {w.internet && w.members.length === 0 ? `operated from the internet (${w.internet.peers} peer${w.internet.peers === 1 ? '' : 's'}; ${w.internet.evidence[0]})` : `${w.members.length} ${w.members[0]?.part ?? 'member'}s, ${w.flows} flows`}{' '}
            <Link to={`/map?workflow=${encodeURIComponent(w.workflow)}&hub=${w.hub.id}`}>map</Link>
          </summary>
          <table className="list">
            <tbody>{w.members.map((m) => <tr key={m.id}><td><Link to={`/devices/${m.id}`}>{m.label}</Link></td><td>{m.category}</td><td>{m.flows} flows</td><td className="facts">{m.evidence[0]}</td></tr>)}</tbody>
          </table>
        </details>
      ))}
    </section>
  );
}
