/**
 * Malformed and unsupported input, counted by layer and reason. Only the error path touches the
 * map, so the per-packet path stays allocation-free.
 */
export class DecodeErrors {
  private readonly counts = new Map<string, Map<string, number>>();
  total = 0;

  count(layer: string, reason: string): void {
    this.total++;
    let byReason = this.counts.get(layer);
    if (!byReason) this.counts.set(layer, (byReason = new Map()));
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }

  merge(other: DecodeErrors): void {
    for (const [layer, byReason] of other.counts) for (const [reason, n] of byReason) for (let i = 0; i < n; i++) this.count(layer, reason);
  }

  /** `{ layer: { reason: count } }`, sorted for stable output. */
  toJSON(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const layer of [...this.counts.keys()].sort()) {
      const byReason = this.counts.get(layer)!;
      out[layer] = Object.fromEntries([...byReason.entries()].sort(([a], [b]) => a.localeCompare(b)));
    }
    return out;
  }
}
