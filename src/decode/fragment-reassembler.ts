import type { DecodeErrors } from './decode-errors.js';

interface Fragment {
  offset: number;
  data: Buffer;
}

interface Pending {
  fragments: Fragment[];
  /** Payload length, known once the last fragment (MF clear) arrives; -1 before. */
  total: number;
  held: number;
  firstTs: number;
}

export interface ReassemblyLimits {
  /** Datagrams under reassembly at once. */
  maxDatagrams: number;
  /** Bytes held across all of them. */
  maxBytes: number;
  /** Seconds a datagram may wait for its missing fragments (Linux ipfrag_time is 30 s). */
  timeoutS: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = { maxDatagrams: 4096, maxBytes: 32 * 1024 * 1024, timeoutS: 30 };

/**
 * Bounded IP fragment reassembly, shared by IPv4 and IPv6. Fragments are rare, so this path may
 * allocate: the key is a string and each fragment's bytes are copied until the datagram completes.
 */
export class FragmentReassembler {
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;
  completed = 0;
  dropped = 0;

  constructor(
    private readonly layer: string,
    private readonly errors: DecodeErrors,
    private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS,
  ) {}

  /**
   * Add one fragment's payload. Returns the whole reassembled payload when this fragment
   * completed the datagram, else null.
   */
  add(key: string, ts: number, fragmentOffset: number, more: boolean, buf: Buffer, offset: number, length: number): Buffer | null {
    this.expire(ts);
    if (fragmentOffset + length > 65535 + 8) {
      this.errors.count(this.layer, 'fragment beyond maximum datagram size');
      return null;
    }
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.limits.maxDatagrams) {
        this.errors.count(this.layer, 'fragment reassembly table full');
        this.dropped++;
        return null;
      }
      entry = { fragments: [], total: -1, held: 0, firstTs: ts };
      this.pending.set(key, entry);
    }
    if (this.heldBytes + length > this.limits.maxBytes) {
      this.errors.count(this.layer, 'fragment reassembly memory bound reached');
      this.drop(key, entry);
      return null;
    }
    if (!more) {
      const total = fragmentOffset + length;
      if (entry.total >= 0 && entry.total !== total) this.errors.count(this.layer, 'conflicting last fragments');
      entry.total = total;
    }
    entry.fragments.push({ offset: fragmentOffset, data: Buffer.from(buf.subarray(offset, offset + length)) });
    entry.held += length;
    this.heldBytes += length;
    if (entry.total < 0 || !covers(entry.fragments, entry.total)) return null;
    const out = Buffer.alloc(entry.total);
    // Earlier fragments win where fragments overlap: copy in reverse arrival order.
    let beyond = false;
    for (let i = entry.fragments.length - 1; i >= 0; i--) {
      const f = entry.fragments[i];
      // A fragment may lie past the end the last fragment set: nothing of it belongs to the datagram.
      const n = Math.min(f.data.length, entry.total - f.offset);
      if (n > 0) f.data.copy(out, f.offset, 0, n);
      else if (f.data.length > 0) beyond = true;
    }
    if (beyond) this.errors.count(this.layer, 'fragment beyond the last fragment');
    this.heldBytes -= entry.held;
    this.pending.delete(key);
    this.completed++;
    return out;
  }

  get inProgress(): number {
    return this.pending.size;
  }

  private expire(ts: number): void {
    if (this.pending.size === 0) return;
    for (const [key, entry] of this.pending) {
      // Map iteration is insertion order, so the oldest come first.
      if (ts - entry.firstTs <= this.limits.timeoutS) break;
      this.errors.count(this.layer, 'fragments timed out before the datagram completed');
      this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Pending): void {
    this.heldBytes -= entry.held;
    this.pending.delete(key);
    this.dropped++;
  }
}

function covers(fragments: Fragment[], total: number): boolean {
  const sorted = [...fragments].sort((a, b) => a.offset - b.offset);
  let reached = 0;
  for (const f of sorted) {
    if (f.offset > reached) return false;
    reached = Math.max(reached, f.offset + f.data.length);
    if (reached >= total) return true;
  }
  return reached >= total;
}
