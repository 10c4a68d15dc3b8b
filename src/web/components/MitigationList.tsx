import { useApi } from '../use-api';

interface Options {
  target: number;
  before: { score: number };
  options: { mitigation: { id: string; label: string; cost: number; careImpact: string; detail: string }; after: number; reduction: number; removes: string[]; bringsUnderTarget: boolean }[];
}

/** The catalogue's options for one device: predicted risk after each, its cost, its effect on care. */
export function MitigationList({ id }: { id: number }) {
  const { data, error } = useApi<Options>(`/api/devices/${id}/mitigations`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">…</p>;
  return (
    <table className="list" data-testid="mitigations">
      <thead><tr><th>Option</th><th>Risk after</th><th>Cost (0-5)</th><th>Effect on care</th><th>Removes</th></tr></thead>
      <tbody>
        {data.options.map((o) => (
          <tr key={o.mitigation.id}>
            <td>{o.bringsUnderTarget ? <b>{o.mitigation.label}</b> : o.mitigation.label}<br /><span className="muted">{o.mitigation.detail}</span></td>
            <td>{data.before.score.toFixed(1)} → <b>{o.after.toFixed(1)}</b>{o.bringsUnderTarget ? ` (under ${data.target})` : ''}</td>
            <td>{o.mitigation.cost}</td>
            <td>{o.mitigation.careImpact}</td>
            <td className="facts">{o.removes.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
