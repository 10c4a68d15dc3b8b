import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { when } from '../clinical';
import { useApi } from '../use-api';

interface Token { id: number; name: string; role: string; created_at: number; expires_at: number | null; revoked_at: number | null; last_used_at: number | null }
interface Audit { id: number; ts: number; actor: string; role: string | null; action: string; target: string | null; detail: unknown; remote: string | null }

export function Admin() {
  const [reload, setReload] = useState(0);
  const { data: tokens, error } = useApi<Token[]>('/api/tokens', reload);
  const { data: audit } = useApi<Audit[]>('/api/audit?limit=100', reload);
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [made, setMade] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const create = (e: FormEvent) => {
    e.preventDefault();
    api.post<{ token: string }>('/api/tokens', { name, role }).then(
      (r) => {
        setMade(r.token);
        setFailure(null);
        setReload((n) => n + 1);
      },
      (err: Error) => setFailure(err.message),
    );
  };
  if (error) return <p className="error">{error}</p>;
  return (
    <section>
      <h1>API tokens</h1>
      <form className="inline" onSubmit={create}>
        <input aria-label="Token name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
        <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option>viewer</option>
          <option>analyst</option>
          <option>admin</option>
        </select>
        <button type="submit">Make token</button>
      </form>
      {made && <p className="notice">New token (copy it now, it is not shown again): <code>{made}</code></p>}
      {failure && <p className="error">{failure}</p>}
      <table className="list">
        <thead><tr><th>Id</th><th>Name</th><th>Role</th><th>Created</th><th>Expires</th><th>Last used</th><th>State</th></tr></thead>
        <tbody>{tokens?.map((t) => <tr key={t.id}><td>{t.id}</td><td>{t.name}</td><td>{t.role}</td><td>{when(t.created_at)}</td><td>{when(t.expires_at)}</td><td>{when(t.last_used_at)}</td><td>{t.revoked_at ? 'revoked' : 'active'}</td></tr>)}</tbody>
      </table>
      <h2>Audit log</h2>
      <table className="list">
        <thead><tr><th>When (UTC)</th><th>Who</th><th>Action</th><th>Target</th><th>Detail</th></tr></thead>
        <tbody>{audit?.map((a) => <tr key={a.id}><td>{when(a.ts)}</td><td>{a.actor}</td><td>{a.action}</td><td>{a.target}</td><td className="facts">{JSON.stringify(a.detail)}</td></tr>)}</tbody>
      </table>
    </section>
  );
}
