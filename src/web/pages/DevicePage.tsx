import { useState } from 'react';
import { api } from '../api';
import { SAFETY_COLOURS, when } from '../clinical';
import { VulnerabilityList } from '../components/VulnerabilityList';
import { RiskFactors, type Risk } from '../components/RiskFactors';
import { PolicyPanel } from '../components/PolicyPanel';
import { MitigationList } from '../components/MitigationList';
import { AlertTable } from './Alerts';
import type { Alert, Vulnerability } from '../security-types';
import type { TimelineEvent } from '../../forensics/timeline-types';
import { Link } from '../router';
import { useApi } from '../use-api';

interface Device {
  id: number;
  ip: string | null;
  mac: string | null;
  vlan: number | null;
  zone: string | null;
  hostname: string | null;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  os: string | null;
  serial: string | null;
  category: string | null;
  role: string | null;
  firstSeen: string;
  lastSeen: string;
  randomisedMac: boolean;
  sharedAddress: boolean;
  confidence: Record<string, { confidence: number; disagreement: boolean }>;
  clinical: { label: string; clinicalFunction: string; safetyImpact: string; holdsPhi: boolean; movesPhi: boolean; medical: boolean } | null;
  addresses: { kind: string; value: string; firstSeen: string; lastSeen: string }[];
  services: { transport: string; port: number; direction: string; service: string | null; flows: number }[];
  evidence: { attribute: string; value: string; source: string; confidence: number; count: number; facts: { key: string; value: unknown }[] }[];
  peers: { direction: string; peer: { id: number; label: string; category: string | null; zone: string | null }; transport: string; port: number; service: string | null; flows: number; bytes: number }[];
  facts: { key: string; value: unknown; count: number; firstSeen: number; lastSeen: number }[];
  workflows: { as: string; workflow: string; name: string; hub: { id: number; label: string; part: string }; members: number }[];
  risk: Risk | null;
}

interface Blast {
  reachable: unknown[];
  dependents: unknown[];
  reachers: unknown[];
  reachableWeight: { devices: number; bySafetyImpact: Record<string, number>; phi: number };
  workflowsBroken: { name: string; as: string; members: number }[];
}

const ATTRS = ['vendor', 'model', 'firmware', 'os', 'serial', 'category', 'role'] as const;
const TIMELINE_LIMIT = 300;
const KIND_COLOURS: Record<string, string> = { 'first-seen': '#1f618d', address: '#2e86c1', hostname: '#2e86c1', dhcp: '#5d6d7e', peer: '#117a65', service: '#7d3c98', workflow: '#b9770e', alert: '#c0392b' };
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function DevicePage({ id, role }: { id: number; role: string }) {
  const [reload, setReload] = useState(0);
  const { data: d, error } = useApi<Device>(`/api/devices/${id}`);
  const { data: blast } = useApi<Blast>(`/api/devices/${id}/blast-radius`);
  const { data: vulns } = useApi<{ total: number; items: Vulnerability[] }>(`/api/vulnerabilities?deviceId=${id}&limit=1000`);
  const { data: alerts } = useApi<{ total: number; items: Alert[] }>(`/api/alerts?deviceId=${id}&limit=200`, reload);
  const { data: timeline, error: timelineError } = useApi<{ events: TimelineEvent[] }>(`/api/devices/${id}/timeline?order=desc&limit=${TIMELINE_LIMIT}`);
  const [failure, setFailure] = useState<string | null>(null);
  const [redact, setRedact] = useState(true);
  if (error) return <p className="error">{error}</p>;
  if (!d) return <p className="loading">Loading…</p>;
  const title = d.hostname ?? d.ip ?? d.mac ?? `device ${d.id}`;
  return (
    <section className="device">
      <p>
        <Link to="/inventory">← Inventory</Link>
      </p>
      <h1 data-testid="device-title">
        {title} <small>{[d.vendor, d.model].filter(Boolean).join(' ')}</small>
      </h1>
      <div className="cards">
        <div className="card">
          <h2>Identity</h2>
          <table className="kv">
            <tbody>
              <tr><th>IP</th><td>{d.ip}</td></tr>
              <tr><th>MAC</th><td>{d.mac}{d.randomisedMac ? ' (randomised)' : ''}</td></tr>
              <tr><th>VLAN / zone</th><td>{d.vlan ?? '-'} / {d.zone ?? '-'}</td></tr>
              {ATTRS.map((a) => (
                <tr key={a}>
                  <th>{a}</th>
                  <td>
                    {d[a] ?? <span className="muted">unknown</span>}
                    {d.confidence[a] && <span className="muted"> ({Math.round(d.confidence[a].confidence * 100)}%{d.confidence[a].disagreement ? ', sources disagree' : ''})</span>}
                  </td>
                </tr>
              ))}
              <tr><th>Seen</th><td>{d.firstSeen.slice(0, 19)} to {d.lastSeen.slice(0, 19)} UTC</td></tr>
            </tbody>
          </table>
        </div>
        <div className="card">
          <h2>Clinical context</h2>
          {d.clinical ? (
            <>
              <p>
                <i className="dot" style={{ background: SAFETY_COLOURS[d.clinical.safetyImpact] }} /> <b>{d.clinical.label}</b>: {d.clinical.safetyImpact}
              </p>
              <p>{d.clinical.clinicalFunction}</p>
              <p>{d.clinical.holdsPhi ? 'Holds patient data. ' : ''}{d.clinical.movesPhi ? 'Moves patient data on the network.' : ''}</p>
            </>
          ) : (
            <p className="muted">Category not identified.</p>
          )}
          <h3>Workflows</h3>
          {d.workflows.length === 0 ? <p className="muted">None recognised.</p> : (
            <ul>{d.workflows.map((w, i) => <li key={i}>{w.name}: {w.as === 'hub' ? `hub (${w.hub.part}) for ${w.members} devices` : <>member, with <Link to={`/devices/${w.hub.id}`}>{w.hub.label}</Link> ({w.hub.part})</>}</li>)}</ul>
          )}
          <h3>Blast radius</h3>
          {blast ? (
            <p data-testid="blast-summary">
              A compromise reaches {blast.reachableWeight.devices} devices within 3 hops ({Object.entries(blast.reachableWeight.bySafetyImpact).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}); {blast.dependents.length} devices depend on its services; {blast.reachers.length} can reach it; {blast.workflowsBroken.length} workflows break if it stops. <Link to={`/map?device=${d.id}`}>Show on the map</Link>
            </p>
          ) : <p className="muted">…</p>}
        </div>
      </div>
      <h2>Risk</h2>
      {d.risk ? <RiskFactors risk={d.risk} /> : <p className="muted">Not scored yet (`vigil risk`).</p>}
      <h2>Vulnerabilities {vulns ? `(${vulns.total})` : ''}</h2>
      {vulns && <VulnerabilityList items={vulns.items} showDevice={false} />}
      <p>
        <button type="button" onClick={() => api.download(`/api/devices/${id}/vex`, `vigil-vex-device-${id}.json`).catch((e: Error) => setFailure(e.message))}>Download VEX (CycloneDX)</button>
      </p>
      {role !== 'viewer' && (
        <>
          <h2>Packets</h2>
          <p>
            <label><input type="checkbox" checked={redact} onChange={(e) => setRedact(e.target.checked)} /> mask patient values (HL7, DICOM, ASTM)</label>{' '}
            <button type="button" onClick={() => api.download(`/api/devices/${id}/pcap?redact=${redact}`, `vigil-device-${id}${redact ? '-redacted' : ''}.pcapng`).catch((e: Error) => setFailure(e.message))}>Download packets (pcapng)</button>
            <span className="muted"> Every download is hashed and written to the audit log.</span>
          </p>
        </>
      )}
      {failure && <p className="error">{failure}</p>}
      <h2>Mitigations</h2>
      <MitigationList id={id} />
      <h2>Generated policy</h2>
      <PolicyPanel id={id} />
      <h2>Alerts {alerts ? `(${alerts.total})` : ''}</h2>
      {alerts && <AlertTable items={alerts.items} canChange={role !== 'viewer'} onChanged={() => setReload((n) => n + 1)} />}
      <h2>Timeline</h2>
      {timelineError && <p className="error">{timelineError}</p>}
      {timeline && (timeline.events.length === 0 ? <p className="muted">No events.</p> : (
        <>
          {timeline.events.length === TIMELINE_LIMIT && <p className="muted">The newest {TIMELINE_LIMIT} events (`vigil timeline {id}` lists them all).</p>}
          <table className="list" data-testid="device-timeline">
            <thead><tr><th>When (UTC)</th><th>Kind</th><th>Event</th></tr></thead>
            <tbody>
              {timeline.events.map((e, i) => (
                <tr key={i}>
                  <td>{when(e.ts)}</td>
                  <td><span className="badge" style={{ background: KIND_COLOURS[e.kind] ?? '#7f8c8d' }}>{e.kind}</span></td>
                  <td>
                    {e.title}
                    {e.peerId !== undefined && <> · <Link to={`/devices/${e.peerId}`}>peer</Link></>}
                    {e.alertId !== undefined && <> · <Link to={`/alerts?rootCause=${e.alertId}`}>alert {e.alertId}, root cause</Link></>}
                    <br /><span className="muted">{e.detail}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ))}
      <h2>Evidence</h2>
      <table className="list">
        <thead><tr><th>Attribute</th><th>Value</th><th>Source</th><th>Confidence</th><th>Facts that prove it</th></tr></thead>
        <tbody>
          {d.evidence.map((e, i) => (
            <tr key={i}><td>{e.attribute}</td><td>{e.value}</td><td>{e.source}</td><td>{Math.round(e.confidence * 100)}%</td><td className="facts">{e.facts.slice(0, 4).map((f) => `${f.key}=${show(f.value)}`).join('; ')}</td></tr>
          ))}
        </tbody>
      </table>
      <h2>Services</h2>
      <table className="list">
        <thead><tr><th>Direction</th><th>Port</th><th>Service</th><th>Flows</th></tr></thead>
        <tbody>{d.services.map((s, i) => <tr key={i}><td>{s.direction}</td><td>{s.transport}/{s.port}</td><td>{s.service}</td><td>{s.flows}</td></tr>)}</tbody>
      </table>
      <h2>Peers</h2>
      <table className="list">
        <thead><tr><th></th><th>Peer</th><th>Category</th><th>Zone</th><th>Port</th><th>Service</th><th>Flows</th><th>Bytes</th></tr></thead>
        <tbody>
          {d.peers.slice(0, 200).map((p, i) => (
            <tr key={i}><td>{p.direction}</td><td><Link to={`/devices/${p.peer.id}`}>{p.peer.label}</Link></td><td>{p.peer.category}</td><td>{p.peer.zone}</td><td>{p.transport}/{p.port}</td><td>{p.service}</td><td>{p.flows}</td><td>{p.bytes}</td></tr>
          ))}
        </tbody>
      </table>
      <h2>Facts observed</h2>
      <table className="list">
        <thead><tr><th>Key</th><th>Value</th><th>Count</th><th>First seen (UTC)</th></tr></thead>
        <tbody>{d.facts.map((f, i) => <tr key={i}><td>{f.key}</td><td className="facts">{show(f.value)}</td><td>{f.count}</td><td>{when(f.firstSeen)}</td></tr>)}</tbody>
      </table>
    </section>
  );
}
