import { useState } from 'react';
import { useApi } from '../use-api';

interface PolicyAnswer {
  policy: { allow: unknown[]; denied: { from: { label: string }; to: { label: string }; transport: string; port: number }[] };
  replay: { clinical: { conversations: number; blocked: number }; other: { conversations: number; blocked: number }; attackPaths: { paths: number; cut: number; uncut: { from: string; hops: string[] }[] } };
  text: string;
}

/** The generated allowlist for one device, its replay, and the text for the chosen enforcement point. */
export function PolicyPanel({ id }: { id: number }) {
  const [format, setFormat] = useState('nftables');
  const { data, error } = useApi<PolicyAnswer>(`/api/devices/${id}/policy?format=${format}`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">…</p>;
  const r = data.replay;
  return (
    <div>
      <p data-testid="policy-replay">
        Allows {data.policy.allow.length} observed clinical and infrastructure conversations; replaying the capture blocks <b>{r.clinical.blocked}</b> of {r.clinical.conversations} of them, stops {r.other.blocked} other observed conversations{data.policy.denied.length ? ` (${data.policy.denied.slice(0, 3).map((d) => `${d.from.label} → ${d.to.label} ${d.transport}/${d.port}`).join('; ')})` : ''}, and cuts {r.attackPaths.cut} of {r.attackPaths.paths} attack paths to it.
      </p>
      <select aria-label="Policy format" value={format} onChange={(e) => setFormat(e.target.value)}>
        <option value="nftables">nftables</option>
        <option value="cisco">Cisco IOS ACL</option>
        <option value="panos">PAN-OS</option>
        <option value="json">JSON</option>
      </select>
      <pre className="policy">{data.text}</pre>
    </div>
  );
}
