import { useState, type FormEvent } from 'react';

export function Login({ error, onSubmit }: { error: string | null; onSubmit: (token: string) => void }) {
  const [token, setToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) onSubmit(token.trim());
  };
  return (
    <form className="login" onSubmit={submit}>
      <h1>Vigil</h1>
      <p>Passive security for hospital networks. Sign in with an API token: `npm start` prints one, and `vigil token create` makes more.</p>
      <label>
        API token
        <input name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} placeholder="vgl_…" />
      </label>
      <button type="submit">Sign in</button>
      {error && <p className="error">Not signed in: {error}</p>}
    </form>
  );
}
