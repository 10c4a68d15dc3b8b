import { Fragment, useState } from 'react';
import { api, qs } from '../api';
import { when } from '../clinical';
import { RootCause } from '../components/RootCause';
import { SiteSelect } from '../components/SitePanel';
import { Link, setSearchParam, useLocation } from '../router';
import { SEVERITY_COLOURS, type Alert } from '../security-types';
import { useApi } from '../use-api';

export function AlertTable({ items, canChange, onChanged }: { items: Alert[]; canChange: boolean; onChanged: () => void }) {
  const [failure, setFailure] = useState<string | null>(null);
  const [explained, setExplained] = useState<number | null>(null);
  const change = (id: number, status: string) =>
    api.patch(`/api/alerts/${id}`, { status }).then(
      () => {
        setFailure(null);
        onChanged();
      },
      (err: Error) => setFailure(err.message),
    );
  if (items.length === 0) return <p className="muted">No alerts.</p>;
  return (
    <>
      {failure && <p className="error">{failure}</p>}
      <table className="list">
        <thead><tr><th>Severity</th><th>Alert</th><th>Device</th><th>From → to</th><th>Count</th><th>Last seen (UTC)</th><th>Status</th><th></th>{canChange && <th></th>}</tr></thead>
        <tbody>
          {items.map((a) => (
            <Fragment key={a.id}>
              <tr data-testid="alert-row">
                <td><span className="badge" style={{ background: SEVERITY_COLOURS[a.severity] }}>{a.severity}</span></td>
                <td><b>{a.title}</b><br /><span className="muted">{a.rule}: {a.description}</span></td>
                <td>{a.deviceId ? <Link to={`/devices/${a.deviceId}`}>device {a.deviceId}</Link> : ''}</td>
                <td>{a.srcIp}{a.dstIp ? ` → ${a.dstIp}` : ''}</td>
                <td>{a.count}</td>
                <td>{when(a.lastTs)}</td>
                <td>{a.status}{a.statusBy ? <span className="muted"> by {a.statusBy}</span> : null}</td>
                <td><button type="button" aria-expanded={explained === a.id} onClick={() => setExplained(explained === a.id ? null : a.id)}>Root cause</button></td>
                {canChange && (
                  <td>
                    {a.status === 'new' && <button type="button" onClick={() => change(a.id, 'acknowledged')}>Acknowledge</button>}
                    {a.status !== 'resolved' && <button type="button" onClick={() => change(a.id, 'resolved')}>Resolve</button>}
                  </td>
                )}
              </tr>
              {explained === a.id && (
                <tr>
                  <td colSpan={canChange ? 9 : 8}><RootCause alertId={a.id} /></td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function Alerts({ role }: { role: string }) {
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const severity = search.get('severity') ?? '';
  const site = search.get('site') ?? '';
  // Timelines link an alert here to show where it came from.
  const rootCause = Number(search.get('rootCause') ?? '');
  const [reload, setReload] = useState(0);
  const { data, error } = useApi<{ total: number; items: Alert[] }>(`/api/alerts${qs({ status, severity, site, limit: 500 })}`, reload);
  const set = setSearchParam;
  return (
    <section>
      <h1>Alerts</h1>
      <div className="toolbar">
        <select aria-label="Status" value={status} onChange={(e) => set('status', e.target.value)}>
          <option value="">every status</option>
          <option>new</option>
          <option>acknowledged</option>
          <option>resolved</option>
        </select>
        <select aria-label="Minimum severity" value={severity} onChange={(e) => set('severity', e.target.value)}>
          <option value="">any severity</option>
          <option>low</option>
          <option>medium</option>
          <option>high</option>
          <option>critical</option>
        </select>
        <SiteSelect value={site} onChange={(v) => set('site', v)} />
        <span className="count" data-testid="alert-count">{data ? `${data.total} alerts` : '…'}</span>
      </div>
      {error && <p className="error">{error}</p>}
      {Number.isInteger(rootCause) && rootCause > 0 && (
        <div className="card">
          <h2>Root cause of alert {rootCause} <button type="button" onClick={() => set('rootCause', '')}>Close</button></h2>
          <RootCause alertId={rootCause} />
        </div>
      )}
      {data && <AlertTable items={data.items} canChange={role !== 'viewer'} onChanged={() => setReload((n) => n + 1)} />}
    </section>
  );
}
