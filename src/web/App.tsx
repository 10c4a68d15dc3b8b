import { useEffect, useState } from 'react';
import { api, getToken, setToken } from './api';
import { Link, useLocation } from './router';
import { Login } from './pages/Login';
import { Overview } from './pages/Overview';
import { Inventory } from './pages/Inventory';
import { DevicePage } from './pages/DevicePage';
import { NetworkMap } from './pages/NetworkMap';
import { Workflows } from './pages/Workflows';
import { Admin } from './pages/Admin';
import { Alerts } from './pages/Alerts';
import { Vulnerabilities } from './pages/Vulnerabilities';
import { RiskPage } from './pages/RiskPage';
import { WhatIf } from './pages/WhatIf';
import { Procurement } from './pages/Procurement';

interface Me {
  name: string;
  role: string;
}

const NAV: { to: string; label: string; admin?: boolean }[] = [
  { to: '/', label: 'Overview' },
  { to: '/inventory', label: 'Inventory' },
  { to: '/risk', label: 'Risk' },
  { to: '/vulnerabilities', label: 'Vulnerabilities' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/map', label: 'Network map' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/whatif', label: 'What-if' },
  { to: '/procurement', label: 'Procurement' },
  { to: '/admin', label: 'Tokens & audit', admin: true },
];

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [checking, setChecking] = useState(!!getToken());
  const { path } = useLocation();

  const signIn = (token: string | null) => {
    setToken(token);
    setMe(null);
    if (!token) return;
    setChecking(true);
    api.get<Me>('/api/me').then(
      (m) => {
        setMe(m);
        setAuthError(null);
        setChecking(false);
      },
      (err: Error) => {
        setToken(null);
        setAuthError(err.message);
        setChecking(false);
      },
    );
  };

  useEffect(() => {
    signIn(getToken());
    const onUnauthorised = (e: Event) => {
      setToken(null);
      setMe(null);
      setAuthError((e as CustomEvent<string>).detail);
    };
    window.addEventListener('vigil:unauthorised', onUnauthorised);
    return () => window.removeEventListener('vigil:unauthorised', onUnauthorised);
  }, []);

  if (checking) return <div className="loading">Signing in…</div>;
  if (!me) return <Login error={authError} onSubmit={signIn} />;

  let page;
  const device = /^\/devices\/(\d+)$/.exec(path);
  if (device) page = <DevicePage id={Number(device[1])} role={me.role} />;
  else if (path === '/vulnerabilities') page = <Vulnerabilities />;
  else if (path === '/risk') page = <RiskPage />;
  else if (path === '/whatif') page = <WhatIf />;
  else if (path === '/procurement') page = <Procurement />;
  else if (path === '/alerts') page = <Alerts role={me.role} />;
  else if (path === '/inventory') page = <Inventory />;
  else if (path === '/map') page = <NetworkMap />;
  else if (path === '/workflows') page = <Workflows />;
  else if (path === '/admin' && me.role === 'admin') page = <Admin />;
  else if (path === '/') page = <Overview />;
  else page = <p className="error">No page at {path}.</p>;

  const active = (to: string) => (to === '/' ? path === '/' : path.startsWith(to) || (to === '/inventory' && path.startsWith('/devices')));
  return (
    <div className="app">
      <header>
        <span className="brand">Vigil</span>
        <nav>
          {NAV.filter((n) => !n.admin || me.role === 'admin').map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? 'active' : ''}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="who">
          {me.name} ({me.role}){' '}
          <button type="button" onClick={() => signIn(null)}>
            Sign out
          </button>
        </span>
      </header>
      <main>{page}</main>
    </div>
  );
}
