import { useEffect, useMemo, useRef, useState } from 'react';
import type { Core, ElementDefinition } from 'cytoscape';
import { api } from '../api';
import { SAFETY_COLOURS } from '../clinical';
import { deviceAt, devicesInView, drawElementsDirectly, type PlacedDevice } from '../components/map-canvas';
import { Link, navigate, useLocation } from '../router';
import { useApi } from '../use-api';

interface Graph {
  total: number;
  nodes: { id: number; label: string; category: string | null; role: string | null; zone: string | null; safety: string | null; risk: number | null; degree: number }[];
  edges: { from: number; to: number; lateral: boolean; services: string[] }[];
  zones: { id: string; name: string; kind: string }[];
}

interface Blast {
  device: { id: number; label: string };
  reachable: { device: { id: number } }[];
  dependents: { device: { id: number } }[];
  reachableWeight: { devices: number };
  workflowsBroken: { name: string }[];
}

interface WorkflowInstance {
  workflow: string;
  name: string;
  hub: { id: number };
  members: { id: number }[];
}

const CELL = 34;

/**
 * Above this many devices the map draws talking pairs only for an overlay unless asked for all: a
 * 5,000-device hospital has some 15,000 pairs, a grey haze at that zoom that tripled the time to draw,
 * to pan and to show a blast radius (bench/map-bench.ts).
 */
const LARGE = 1500;

/**
 * Cytoscape is most of the dashboard's script. Loaded with the map page, it is fetched and compiled while
 * the map's graph is on its way, rather than before any page of the dashboard shows.
 */
let cytoscapeLib: Promise<typeof import('cytoscape')> | null = null;
const loadCytoscape = () =>
  (cytoscapeLib ??= import('cytoscape').then(
    (m) => m.default,
    (err: unknown) => {
      cytoscapeLib = null;
      throw err;
    },
  ));

/** Device labels are 8 units high and drawn from 9 pixels on, so from this zoom on. */
const LABEL_ZOOM = 9 / 8;

/** Risk bands of 20 points, green to dark red; grey before risk is computed. */
const RISK_BANDS = ['#27ae60', '#a9cc52', '#f1c40f', '#e67e22', '#c0392b'];
const riskColour = (risk: number | null) => (risk === null ? '#bdc3c7' : RISK_BANDS[Math.min(4, Math.floor(risk / 20))]);

/**
 * Positions computed here, not by a force layout: zones on a grid, each zone's devices in a square
 * sorted by category. O(n), stable between visits, and a 5,000-device hospital draws at once.
 *
 * A zone is a plain box drawn under its devices, not a Cytoscape compound parent: with compound
 * parents every child's style change re-walks its parent and siblings, and 5,000 devices in 24
 * zones took over 20 s to draw (bench/map-bench.ts). The boxes cannot be dragged, and neither can
 * devices, so a device always sits in its zone's box.
 */
function layout(g: Graph, colourBy: 'risk' | 'safety', withEdges: boolean): { elements: ElementDefinition[]; placed: PlacedDevice[] } {
  const byZone = new Map<string, Graph['nodes']>();
  for (const n of g.nodes) {
    const z = n.zone ?? '(no zone)';
    let list = byZone.get(z);
    if (!list) byZone.set(z, (list = []));
    list.push(n);
  }
  const zones = [...byZone.entries()].sort((a, b) => b[1].length - a[1].length);
  const perRow = Math.ceil(Math.sqrt(zones.length));
  const side = (n: number) => Math.ceil(Math.sqrt(n));
  const rows = (n: number) => Math.ceil(n / side(n));
  const rowHeights: number[] = [];
  zones.forEach(([, ns], i) => {
    const r = Math.floor(i / perRow);
    rowHeights[r] = Math.max(rowHeights[r] ?? 0, rows(ns.length) * CELL + 120);
  });
  const colWidth = Math.max(...zones.map(([, ns]) => side(ns.length) * CELL)) + 120;
  const zoneBoxes: ElementDefinition[] = [];
  const devices: ElementDefinition[] = [];
  const placed: PlacedDevice[] = [];
  let right = 0;
  let bottom = 0;
  zones.forEach(([zone, ns], i) => {
    const r = Math.floor(i / perRow);
    const ox = (i % perRow) * colWidth;
    const oy = rowHeights.slice(0, r).reduce((a, b) => a + b, 0);
    const w = side(ns.length);
    // The box reaches half a cell past the outermost devices' centres on every side.
    const width = w * CELL;
    const height = rows(ns.length) * CELL;
    const box = { x: ox + width / 2 - CELL / 2, y: oy + height / 2 - CELL / 2 };
    zoneBoxes.push({ data: { id: `zone:${zone}`, width, height }, classes: 'zone', position: box });
    // The zone's name is its own element, above the veil of an overlay, so zones stay legible under it.
    zoneBoxes.push({ data: { id: `zone-label:${zone}`, label: zone }, classes: 'zone-label', position: { x: box.x, y: oy - CELL / 2 } });
    right = Math.max(right, ox + width);
    bottom = Math.max(bottom, oy + height);
    ns.sort((a, b) => (a.category ?? '~').localeCompare(b.category ?? '~') || b.degree - a.degree).forEach((n, j) => {
      const size = 10 + Math.min(24, Math.sqrt(n.degree) * 3);
      const position = { x: ox + (j % w) * CELL, y: oy + Math.floor(j / w) * CELL };
      devices.push({
        data: { id: String(n.id), zone: `zone:${zone}`, label: n.label, colour: colourBy === 'risk' ? riskColour(n.risk) : SAFETY_COLOURS[n.safety ?? 'unknown'], size },
        classes: 'device',
        position,
      });
      placed.push({ id: String(n.id), ...position, r: size / 2 });
    });
  });
  // One white sheet over the whole map, shown under an overlay's devices: fading the others is then one
  // element's change, not 5,000 restyled devices.
  const margin = 400;
  const veil = { data: { id: 'veil', width: right + 2 * margin, height: bottom + 2 * margin }, classes: 'veil', position: { x: right / 2 - CELL / 2, y: bottom / 2 - CELL / 2 } };
  const edges = withEdges ? g.edges.map((e, i) => edge(e, `e${i}`, e.lateral ? 'lateral' : '')) : [];
  return { elements: [...zoneBoxes, ...devices, veil, ...edges], placed };
}

const edge = (e: Graph['edges'][number], id: string, classes: string): ElementDefinition => ({ data: { id, source: String(e.from), target: String(e.to), services: e.services.join(', ') }, classes });

/** Marks the pairs between `ids` hot: the drawn ones, or, when the map draws no pairs, added for the overlay. */
function heatPairs(c: Core, g: Graph, ids: Set<string>): void {
  if (c.edges().nonempty()) {
    c.edges().filter((e) => ids.has(e.source().id()) && ids.has(e.target().id())).addClass('hot');
    return;
  }
  const hot: ElementDefinition[] = [];
  g.edges.forEach((e, i) => {
    if (ids.has(String(e.from)) && ids.has(String(e.to))) hot.push(edge(e, `hot${i}`, `hot overlay-pair${e.lateral ? ' lateral' : ''}`));
  });
  c.add(hot);
}

export function NetworkMap() {
  // Asked for before the graph, so the server sends the script first and it compiles while the graph is built.
  void loadCytoscape().catch(() => undefined);
  const { search } = useLocation();
  const { data, error } = useApi<Graph>('/api/graph');
  const { data: workflows } = useApi<WorkflowInstance[]>('/api/workflows');
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const [blast, setBlast] = useState<Blast | null>(null);
  const [blastError, setBlastError] = useState<string | null>(null);
  const [colourBy, setColourBy] = useState<'risk' | 'safety'>('risk');
  const [allPairs, setAllPairs] = useState<boolean | null>(null);
  // Counts the maps drawn, so overlays are applied once a map exists.
  const [drawnMaps, setDrawnMaps] = useState(0);
  const [libError, setLibError] = useState<string | null>(null);
  const large = !!data && data.nodes.length > LARGE;
  const withEdges = allPairs ?? !large;
  const selected = search.get('device');
  const workflow = search.get('workflow');
  const hub = search.get('hub');

  useEffect(() => {
    if (!data || !box.current) return;
    const el = box.current;
    let live = true;
    let c: Core | null = null;
    let naming: ReturnType<typeof setTimeout> | undefined;
    const draw = (cytoscape: typeof import('cytoscape')): Core => {
      const { elements, placed } = layout(data, colourBy, withEdges);
      const c = cytoscape({
        container: el,
        elements,
        layout: { name: 'preset' },
        // No snapshot of the map while zooming and panning: the renderer's layers already draw it as one
        // picture, and a snapshot at twice the resolution made it build layers of 40 MB on the first zoom step.
        textureOnViewport: false,
        // Only worth it when pairs are drawn; without them it would redraw every device one by one.
        hideEdgesOnViewport: large && withEdges,
        // Four times fewer pixels to fill on a high-density screen, for a map too big to read at that sharpness anyway.
        pixelRatio: large ? 1 : 'auto',
        autoungrabify: true,
        autounselectify: true,
        boxSelectionEnabled: false,
        minZoom: 0.02,
        maxZoom: 4,
        style: [
          // Zone boxes under edges under devices under the veil under an overlay's devices, pairs and zone names.
          { selector: '*', style: { 'z-index-compare': 'manual' } },
          // Cytoscape 3.34 flips a node's `:backgrounding` state on each draw when it has the default
          // `background-image: none`, restyling every device drawn; an empty list of images keeps it still.
          { selector: 'node', style: { 'background-image': [] } },
          { selector: 'node.device', style: { 'background-color': 'data(colour)', width: 'data(size)', height: 'data(size)', events: 'no', 'z-index': 2 } },
          // Labels only for devices seen zoomed in: measuring 5,000 labels nobody can read cost the first render.
          { selector: 'node.named', style: { label: 'data(label)', 'font-size': 8, 'min-zoomed-font-size': 9, color: '#333' } },
          { selector: 'node.zone', style: { width: 'data(width)', height: 'data(height)', 'background-color': '#f4f6f7', 'background-opacity': 0.6, 'border-color': '#aab7b8', 'border-width': 1, shape: 'round-rectangle', events: 'no', 'z-index': 0 } },
          { selector: 'node.zone-label', style: { width: 1, height: 1, 'background-opacity': 0, label: 'data(label)', 'font-size': 20, 'min-zoomed-font-size': 4, 'text-valign': 'top', color: '#566573', events: 'no', 'z-index': 20 } },
          { selector: 'node.veil', style: { display: 'none', shape: 'rectangle', width: 'data(width)', height: 'data(height)', 'background-color': '#fff', 'background-opacity': 0.9, events: 'no', 'z-index': 5 } },
          { selector: 'node.veil.on', style: { display: 'element' } },
          { selector: 'edge', style: { 'curve-style': 'haystack', width: 0.6, 'line-color': '#ccd1d1', opacity: 0.6, 'z-index': 1 } },
          { selector: 'edge.lateral', style: { 'line-color': '#e59866' } },
          { selector: 'node.focus', style: { 'border-width': 4, 'border-color': '#000', 'z-index': 11 } },
          { selector: 'node.reached', style: { 'border-width': 3, 'border-color': '#c0392b', 'z-index': 10 } },
          { selector: 'node.dependent', style: { 'border-width': 3, 'border-color': '#f39c12', 'z-index': 10 } },
          { selector: 'node.member', style: { 'border-width': 3, 'border-color': '#1abc9c', 'z-index': 10 } },
          { selector: 'edge.hot', style: { 'line-color': '#c0392b', width: 2, opacity: 1, 'z-index': 9 } },
        ],
      });
      drawElementsDirectly(c);
      // Devices take no events (see deviceAt): a tap is matched to the dot under it here.
      c.on('tap', (e) => {
        const id = deviceAt(placed, e.position.x, e.position.y, 3 / c.zoom());
        if (id) navigate(`/map?device=${id}`);
      });
      // Names for the devices in view once zoomed in far enough to read them, after the view settles.
      const name = () => {
        if (c.zoom() < LABEL_ZOOM) return;
        const unnamed = devicesInView(c, placed, 2 * CELL).map((id) => c.getElementById(id)).filter((n) => !n.hasClass('named'));
        if (unnamed.length)
          c.batch(() => {
            for (const n of unnamed) n.addClass('named');
          });
      };
      c.on('viewport', () => {
        clearTimeout(naming);
        naming = setTimeout(name, 150);
      });
      // What is on screen, as attributes of the map's box, once the first frame is drawn: people's
      // scripts, browser tests and the map benchmark wait on these rather than on the canvas.
      c.one('render', () => {
        el.dataset.nodes = String(c.nodes('.device').length);
        el.dataset.zones = String(c.nodes('.zone').length);
        el.dataset.edges = String(c.edges().length);
      });
      return c;
    };
    loadCytoscape().then(
      (cytoscape) => {
        if (!live) return;
        c = draw(cytoscape);
        cy.current = c;
        setDrawnMaps((n) => n + 1);
      },
      (err: Error) => live && setLibError(`the map could not be loaded: ${err.message}`),
    );
    return () => {
      live = false;
      clearTimeout(naming);
      c?.destroy();
      cy.current = null;
      for (const k of ['nodes', 'zones', 'edges', 'overlay', 'overlayDevice']) delete el.dataset[k];
    };
  }, [data, colourBy, withEdges, large]);

  // Overlays: a device's blast radius, or one workflow's hub and members.
  useEffect(() => {
    const c = cy.current;
    setBlast(null);
    setBlastError(null);
    if (!c || !data) return;
    const el = c.container();
    if (el) for (const k of ['overlay', 'overlayDevice']) delete el.dataset[k];
    // Once the highlighted frame is drawn: how many devices the overlay marks, and for which device.
    const drawn = (count: number, device: string) =>
      c.one('render', () => {
        if (!el) return;
        el.dataset.overlay = String(count);
        el.dataset.overlayDevice = device;
      });
    // Only the overlay's own elements change, never all 5,000 devices.
    c.batch(() => {
      c.remove('.overlay-pair');
      c.$('.on, .focus, .reached, .dependent, .member, .hot').removeClass('on focus reached dependent member hot');
    });
    const veil = c.getElementById('veil');
    if (selected) {
      let live = true;
      api.get<Blast>(`/api/devices/${selected}/blast-radius`).then(
        (b) => {
          if (!live) return;
          setBlast(b);
          const hot = new Set([String(b.device.id), ...b.reachable.map((r) => String(r.device.id))]);
          c.batch(() => {
            veil.addClass('on');
            const focus = c.getElementById(String(b.device.id)).addClass('focus');
            for (const r of b.reachable) c.getElementById(String(r.device.id)).addClass('reached');
            for (const d of b.dependents) c.getElementById(String(d.device.id)).addClass('dependent');
            heatPairs(c, data, hot);
            if (focus.nonempty()) c.animate({ center: { eles: focus }, zoom: Math.max(c.zoom(), 0.6) }, { duration: 300 });
          });
          drawn(c.nodes('.focus, .reached, .dependent').length, String(b.device.id));
        },
        (err: Error) => live && setBlastError(err.message),
      );
      return () => {
        live = false;
      };
    }
    if (workflow && workflows) {
      const inst = workflows.find((w) => w.workflow === workflow && (!hub || String(w.hub.id) === hub));
      if (!inst) return;
      const ids = new Set([String(inst.hub.id), ...inst.members.map((m) => String(m.id))]);
      c.batch(() => {
        veil.addClass('on');
        c.getElementById(String(inst.hub.id)).addClass('focus');
        for (const m of inst.members) c.getElementById(String(m.id)).addClass('member');
        heatPairs(c, data, ids);
      });
      drawn(c.nodes('.focus, .member').length, String(inst.hub.id));
    }
  }, [selected, workflow, hub, data, workflows, drawnMaps]);

  // The same option elements on every visit of the map, so choosing a device does not rebuild the list.
  const workflowOptions = useMemo(() => workflows?.map((w, i) => <option key={i} value={`${w.workflow}|${w.hub.id}`}>{w.name} ({w.members.length})</option>), [workflows]);

  if (error || libError) return <p className="error">{error ?? libError}</p>;
  return (
    <section className="map">
      <h1>Network map</h1>
      <div className="toolbar">
        {data && drawnMaps > 0 && <span data-testid="map-count">{data.nodes.length} of {data.total} devices, {data.edges.length} talking pairs</span>}
        <select aria-label="Highlight a workflow" value={workflow ? `${workflow}|${hub ?? ''}` : ''} onChange={(e) => { const [w, h] = e.target.value.split('|'); navigate(w ? `/map?workflow=${encodeURIComponent(w)}&hub=${h}` : '/map'); }}>
          <option value="">Highlight a workflow…</option>
          {workflowOptions}
        </select>
        {(selected || workflow) && <button type="button" onClick={() => navigate('/map')}>Clear</button>}
        {large && (
          <label>
            <input type="checkbox" checked={withEdges} onChange={(e) => setAllPairs(e.target.checked)} /> draw all talking pairs (slower)
          </label>
        )}
        <select aria-label="Colour by" value={colourBy} onChange={(e) => setColourBy(e.target.value as 'risk' | 'safety')}>
          <option value="risk">colour by risk</option>
          <option value="safety">colour by patient-safety class</option>
        </select>
        <span className="legend" data-testid="map-legend">
          {colourBy === 'risk'
            ? RISK_BANDS.map((c, i) => <span key={c}><i className="dot" style={{ background: c }} />{i * 20}-{i * 20 + 20} </span>)
            : Object.entries(SAFETY_COLOURS).map(([k, v]) => <span key={k}><i className="dot" style={{ background: v }} />{k} </span>)}
        </span>
      </div>
      {blast && (
        <p data-testid="map-blast">
          Blast radius of <Link to={`/devices/${blast.device.id}`}>{blast.device.label}</Link>: reaches {blast.reachableWeight.devices} devices (red rings), {blast.dependents.length} depend on it (orange), {blast.workflowsBroken.length} workflows break.
        </p>
      )}
      {blastError && <p className="error">{blastError}</p>}
      {/* The count and the map appear together: the map's script may still be on its way when the graph is in. */}
      {!(data && drawnMaps > 0) && <p className="loading">Loading…</p>}
      <div ref={box} className="cy" data-testid="map" />
    </section>
  );
}
