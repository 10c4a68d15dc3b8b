import { useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api, qs } from '../api';
import { SAFETY_COLOURS, when } from '../clinical';
import { SiteSelect } from '../components/SitePanel';
import { navigate, setSearchParam, useLocation } from '../router';

interface Row {
  id: number;
  ip: string | null;
  mac: string | null;
  hostname: string | null;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  category: string | null;
  role: string | null;
  zone: string | null;
  last_seen: number;
  safety: string | null;
}

const COLUMNS: { key: keyof Row; label: string; width: number }[] = [
  { key: 'hostname', label: 'Hostname', width: 190 },
  { key: 'ip', label: 'IP', width: 130 },
  { key: 'vendor', label: 'Vendor', width: 150 },
  { key: 'model', label: 'Model', width: 190 },
  { key: 'firmware', label: 'Firmware', width: 110 },
  { key: 'category', label: 'Category', width: 150 },
  { key: 'role', label: 'Role', width: 140 },
  { key: 'zone', label: 'Zone', width: 130 },
  { key: 'last_seen', label: 'Last seen (UTC)', width: 160 },
];
const SORTABLE = new Set(['hostname', 'ip', 'vendor', 'model', 'category', 'role', 'zone', 'last_seen']);
const PAGE = 200;
const ROW_H = 28;

/**
 * The inventory as one long list, fetched a page at a time as it scrolls and drawn only where it is
 * visible: 100k devices cost what a screenful does.
 */
export function Inventory() {
  const { search } = useLocation();
  const [q, setQ] = useState(search.get('q') ?? '');
  const [debounced, setDebounced] = useState(q);
  const [sort, setSort] = useState<{ key: string; order: 'asc' | 'desc' }>({ key: 'last_seen', order: 'desc' });
  const filters = { category: search.get('category'), zone: search.get('zone'), safety: search.get('safety'), role: search.get('role'), site: search.get('site') };
  const query = { q: debounced, ...filters, sort: sort.key, order: sort.order };
  const key = JSON.stringify(query);
  const [total, setTotal] = useState<number | null>(null);
  const [rows, setRows] = useState<Map<number, Row>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const parent = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t = setTimeout(() => setDebounced(q), 250);
    return () => clearTimeout(t);
  }, [q]);

  const loadPage = useCallback(
    (page: number) => {
      if (loading.current.has(page)) return;
      loading.current.add(page);
      const gen = generation.current;
      api.get<{ total: number; items: Row[] }>(`/api/devices${qs({ ...query, limit: PAGE, offset: page * PAGE })}`).then(
        (r) => {
          if (gen !== generation.current) return;
          setTotal(r.total);
          setRows((prev) => {
            const next = new Map(prev);
            r.items.forEach((row, i) => next.set(page * PAGE + i, row));
            return next;
          });
        },
        (err: Error) => gen === generation.current && setError(err.message),
      );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key],
  );

  useEffect(() => {
    generation.current++;
    loading.current = new Set();
    setRows(new Map());
    setTotal(null);
    setError(null);
    loadPage(0);
  }, [key, loadPage]);

  const virtual = useVirtualizer({ count: total ?? 0, getScrollElement: () => parent.current, estimateSize: () => ROW_H, overscan: 20 });
  const items = virtual.getVirtualItems();
  useEffect(() => {
    for (const it of items) if (!rows.has(it.index)) loadPage(Math.floor(it.index / PAGE));
  }, [items, rows, loadPage]);

  const clickSort = (k: string) => SORTABLE.has(k) && setSort((s) => ({ key: k, order: s.key === k && s.order === 'asc' ? 'desc' : 'asc' }));
  const active = Object.entries(filters).filter(([, v]) => v);
  const width = COLUMNS.reduce((n, c) => n + c.width, 0);
  return (
    <section className="inventory">
      <h1>Inventory</h1>
      <div className="toolbar">
        <input type="search" aria-label="Search devices" placeholder="Search IP, MAC, hostname, vendor, model, firmware…" value={q} onChange={(e) => setQ(e.target.value)} />
        <SiteSelect value={filters.site ?? ''} onChange={(v) => setSearchParam('site', v)} />
        {active.map(([k, v]) => (
          <span className="chip" key={k}>
            {k}: {v}{' '}
            <button type="button" aria-label={`clear ${k}`} onClick={() => setSearchParam(k, '')}>
              ×
            </button>
          </span>
        ))}
        <span className="count" data-testid="inventory-count">{total === null ? '…' : `${total} devices`}</span>
        <button type="button" onClick={() => api.download(`/api/devices.csv${qs({ ...query })}`, 'vigil-devices.csv').catch((e: Error) => setError(e.message))}>
          Export CSV
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      <div className="grid-head" style={{ width }}>
        {COLUMNS.map((c) => (
          <div key={c.key} style={{ width: c.width }} className={SORTABLE.has(c.key) ? 'sortable' : ''} onClick={() => clickSort(c.key)}>
            {c.label}
            {sort.key === c.key ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}
          </div>
        ))}
      </div>
      <div ref={parent} className="grid-body" role="table" aria-label="Devices">
        <div style={{ height: virtual.getTotalSize(), width, position: 'relative' }}>
          {items.map((it) => {
            const r = rows.get(it.index);
            return (
              <div key={it.index} role="row" className="grid-row" style={{ transform: `translateY(${it.start}px)`, height: ROW_H }} onClick={() => r && navigate(`/devices/${r.id}`)}>
                {COLUMNS.map((c) => (
                  <div key={c.key} role="cell" style={{ width: c.width }}>
                    {!r ? '' : c.key === 'last_seen' ? when(r.last_seen) : c.key === 'category' ? <span><i className="dot" style={{ background: SAFETY_COLOURS[r.safety ?? 'unknown'] }} />{r.category ?? ''}</span> : (r[c.key] ?? '')}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
