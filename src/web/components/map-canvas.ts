/**
 * What keeps the network map quick at 5,000 devices in Cytoscape's canvas renderer, measured with
 * bench/map-bench.ts in Chromium without a GPU (docs/benchmark.md, "Network map").
 */
import type { Core } from 'cytoscape';

/**
 * Cytoscape keeps a picture of each element in shared texture canvases and copies it from there on
 * every draw. Without a GPU, Chromium copies the whole texture canvas each time one is drawn from right
 * after being drawn into, which is how those caches fill: a zoom step that needed another resolution of
 * 5,000 devices took 2-6 s in one frame, and even with every picture cached, copying them cost more than
 * drawing the dots. So elements and their labels are drawn directly; the renderer's layered cache (many
 * elements as one picture, used while nothing changes) stays. Returns false when this Cytoscape has no
 * such caches, in which case nothing is changed.
 */
export function drawElementsDirectly(cy: Core): boolean {
  const data = (cy as unknown as { renderer?: () => { data?: Record<string, unknown> } }).renderer?.()?.data;
  let changed = false;
  for (const name of ['eleTxrCache', 'lblTxrCache']) {
    const cache = data?.[name] as { getElement?: unknown } | undefined;
    if (cache && typeof cache.getElement === 'function') {
      // No cached picture: the renderer falls back to drawing the element on the spot.
      cache.getElement = () => null;
      changed = true;
    }
  }
  return changed;
}

export interface PlacedDevice {
  id: string;
  x: number;
  y: number;
  /** Radius of the drawn dot. */
  r: number;
}

/**
 * The device drawn at a point of the map (model coordinates), or null. Devices take no events of their
 * own (see NetworkMap): Cytoscape would otherwise mark a pressed device `:active`, a style change that
 * throws away the picture of all 5,000 devices and redraws them one by one for the next frames.
 * `slack` widens the target, in model units, for dots a few pixels wide when zoomed out.
 */
export function deviceAt(devices: readonly PlacedDevice[], x: number, y: number, slack: number): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const d of devices) {
    const dx = d.x - x;
    const dy = d.y - y;
    const dist = dx * dx + dy * dy;
    const reach = d.r + slack;
    if (dist <= reach * reach && dist < bestD) {
      best = d.id;
      bestD = dist;
    }
  }
  return best;
}

/** Ids of the devices within the visible part of the map, with a margin of `pad` model units. */
export function devicesInView(cy: Core, devices: readonly PlacedDevice[], pad: number): string[] {
  const e = cy.extent();
  return devices.filter((d) => d.x >= e.x1 - pad && d.x <= e.x2 + pad && d.y >= e.y1 - pad && d.y <= e.y2 + pad).map((d) => d.id);
}
