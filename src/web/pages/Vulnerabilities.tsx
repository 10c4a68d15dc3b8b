import { qs } from '../api';
import { BarChart } from '../components/BarChart';
import { VulnerabilityList } from '../components/VulnerabilityList';
import { setSearchParam, useLocation } from '../router';
import { DECISION_COLOURS, DECISIONS, type Vulnerability } from '../security-types';
import { useApi } from '../use-api';

export function Vulnerabilities() {
  const { search } = useLocation();
  const decision = search.get('decision') ?? '';
  const kev = search.get('kev') ?? '';
  const { data, error } = useApi<{ total: number; items: Vulnerability[] }>(`/api/vulnerabilities${qs({ decision, kev, limit: 500 })}`);
  const { data: all } = useApi<{ total: number; items: Vulnerability[] }>('/api/vulnerabilities?limit=1000');
  const counts = DECISIONS.map((d) => ({ key: d, label: d, value: all?.items.filter((v) => v.decision === d).length ?? 0, colour: DECISION_COLOURS[d] }));
  const set = setSearchParam;
  return (
    <section>
      <h1>Vulnerabilities</h1>
      <p className="muted">Known vulnerabilities matched to devices, weighed against what Vigil observed (is the service in use, who reaches it, by which path) and decided with the SSVC deployer tree.</p>
      {all && <BarChart title="Decisions" rows={counts} onSelect={(d) => set('decision', d)} />}
      <div className="toolbar">
        <select aria-label="Decision" value={decision} onChange={(e) => set('decision', e.target.value)}>
          <option value="">every decision</option>
          {DECISIONS.map((d) => <option key={d}>{d}</option>)}
        </select>
        <label><input type="checkbox" checked={kev === 'true'} onChange={(e) => set('kev', e.target.checked ? 'true' : '')} /> known exploited (KEV) only</label>
        <span className="count" data-testid="vuln-count">{data ? `${data.total} findings` : '…'}</span>
      </div>
      {error && <p className="error">{error}</p>}
      {data && <VulnerabilityList items={data.items} showDevice />}
    </section>
  );
}
