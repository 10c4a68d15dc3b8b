/** Paths in the address bar, so pages can be bookmarked and the back button works. */
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

export function navigate(to: string): void {
  history.pushState(null, '', to);
  window.dispatchEvent(new Event('vigil:navigate'));
}

/** Sets (or, with an empty value, removes) one query parameter of the current page. */
export function setSearchParam(key: string, value: string): void {
  const s = new URLSearchParams(location.search);
  if (value) s.set(key, value);
  else s.delete(key);
  navigate(`${location.pathname}${s.size ? `?${s}` : ''}`);
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({ path: location.pathname, search: new URLSearchParams(location.search) });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener('popstate', update);
    window.addEventListener('vigil:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('vigil:navigate', update);
    };
  }, []);
  return loc;
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className}>
      {children}
    </a>
  );
}
