import type { SiteSummary } from '../../api/site-queries';
import { qs } from '../api';
import { when } from '../clinical';
import { Link } from '../router';
import { useApi } from '../use-api';

/** Drops mean devices and alerts the central store never saw: they must stand out, not sit in a column. */
const WARNING = { background: '#fdebd0', color: '#a04000', fontWeight: 600, borderRadius: 3, padding: '1px 6px' } as const;

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : n < 1 << 30 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / (1 << 30)).toFixed(1)} GiB`);

/** The scale-out sites, or an empty list for a store filled by local analyses. */
export const useSites = (): SiteSummary[] => useApi<SiteSummary[]>('/api/sites').data ?? [];

/** A filter on the `site` search parameter; absent when the store has no sites. */
export function SiteSelect({ value, onChange }: { value: string; onChange: (site: string) => void }) {
  const sites = useSites();
  if (sites.length === 0) return null;
  return (
    <select aria-label="Site" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">every site</option>
      {sites.map((s) => (
        <option key={s.site} value={s.site}>
          {s.site}
        </option>
      ))}
    </select>
  );
}

function Drops({ s }: { s: SiteSummary['sensors'][number] }) {
  if (s.droppedWindows === 0 && s.droppedBytes === 0 && s.captureDrops === 0) return <span className="muted">none</span>;
  const parts = [s.droppedWindows || s.droppedBytes ? `${s.droppedWindows} windows dropped (${bytes(s.droppedBytes)})` : null, s.captureDrops ? `${s.captureDrops} packets lost in capture` : null].filter(Boolean);
  return (
    <span data-testid="sensor-drops" style={WARNING}>
      ⚠ {parts.join(', ')}
    </span>
  );
}

/** Each site with its devices and sensors: when each sensor last delivered, and what it lost. Nothing for a local store. */
export function SitePanel() {
  const sites = useSites();
  if (sites.length === 0) return null;
  return (
    <figure className="chart" data-testid="site-panel" style={{ marginBottom: 16 }}>
      <figcaption>Sites and sensors</figcaption>
      <table className="list">
        <thead>
          <tr><th>Site</th><th>Devices</th><th>Sensor</th><th>Last window (UTC)</th><th>Drops</th><th>Windows stored / refused</th></tr>
        </thead>
        <tbody>
          {sites.flatMap((site) => {
            const head = (span: number) => (
              <>
                <td rowSpan={span}><b>{site.site}</b></td>
                <td rowSpan={span}><Link to={`/inventory${qs({ site: site.site })}`}>{site.devices} devices</Link></td>
              </>
            );
            const refused = site.ingest.lastRejection;
            if (site.sensors.length === 0)
              return [
                <tr key={site.site} data-testid="site-row">
                  {head(1)}
                  <td className="muted" colSpan={3}>no sensor reports</td>
                  <td>{site.ingest.stored} / {site.ingest.rejected}{refused && <span className="muted"> (last refused: {refused.reason ?? 'no reason given'})</span>}</td>
                </tr>,
              ];
            return site.sensors.map((s, i) => (
              <tr key={`${site.site}/${s.sensor}`} data-testid="site-row">
                {i === 0 && head(site.sensors.length)}
                <td>{s.sensor} <span className="muted">{s.version}</span></td>
                <td>{when(s.lastWindowAt)}</td>
                <td><Drops s={s} /></td>
                <td>
                  {s.ingest.stored} / {s.ingest.rejected}
                  {s.ingest.lastRejection && <span className="muted"> (last refused: {s.ingest.lastRejection.reason ?? 'no reason given'})</span>}
                </td>
              </tr>
            ));
          })}
        </tbody>
      </table>
    </figure>
  );
}
