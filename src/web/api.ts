/** The dashboard's one way to the API: the token rides in a header, errors carry the server's reason. */
const TOKEN_KEY = 'vigil.token';

export function takeTokenFromUrl(): void {
  // `npm start` prints a link with the token in the fragment, which browsers never send to a server.
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}

export const getToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (t: string | null): void => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY));

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    let reason = res.statusText;
    try {
      reason = ((await res.json()) as { reason?: string }).reason ?? reason;
    } catch {
      /* not JSON: keep the status text */
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('vigil:unauthorised', { detail: reason }));
    throw new ApiFailure(res.status, reason);
  }
  return res;
}

export const api = {
  get: async <T>(path: string): Promise<T> => (await request('GET', path)).json() as Promise<T>,
  post: async <T>(path: string, body: unknown): Promise<T> => (await request('POST', path, body)).json() as Promise<T>,
  patch: async <T>(path: string, body: unknown): Promise<T> => (await request('PATCH', path, body)).json() as Promise<T>,
  /** Downloads through the header-authenticated fetch, then hands the browser a file. */
  download: async (path: string, filename: string): Promise<void> => {
    const blob = await (await request('GET', path)).blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  },
};

export const qs = (params: Record<string, string | number | undefined | null>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};
