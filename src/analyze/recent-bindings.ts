/**
 * ARP and neighbour discovery repeat the same MAC-to-address binding in every packet. A direct-mapped
 * table of the bindings seen lately answers "already reported" without building the address texts
 * the observation de-duplication would need; a miss (a new binding, or a collision) only means the
 * fact goes the long way and is de-duplicated there.
 */
const SLOTS_BITS = 14;
const SLOTS = 1 << SLOTS_BITS;
/** 6 MAC octets, then up to 16 address octets. */
const KEY_OCTETS = 22;

export class RecentBindings {
  private readonly keys = new Uint8Array(SLOTS * KEY_OCTETS);
  /** Address length of the binding in each slot; 0 for an empty slot. */
  private readonly lengths = new Uint8Array(SLOTS);

  /** Whether this binding is in the table; if not, it is put there. */
  seen(buf: Uint8Array, macOffset: number, ipOffset: number, ipLength: number): boolean {
    // FNV-1a over the MAC and the address.
    let h = 0x811c9dc5;
    for (let i = 0; i < 6; i++) h = Math.imul(h ^ buf[macOffset + i], 0x01000193);
    for (let i = 0; i < ipLength; i++) h = Math.imul(h ^ buf[ipOffset + i], 0x01000193);
    const slot = (h >>> (32 - SLOTS_BITS)) & (SLOTS - 1);
    const keys = this.keys;
    const at = slot * KEY_OCTETS;
    let same = this.lengths[slot] === ipLength;
    for (let i = 0; same && i < 6; i++) same = keys[at + i] === buf[macOffset + i];
    for (let i = 0; same && i < ipLength; i++) same = keys[at + 6 + i] === buf[ipOffset + i];
    if (same) return true;
    this.lengths[slot] = ipLength;
    for (let i = 0; i < 6; i++) keys[at + i] = buf[macOffset + i];
    for (let i = 0; i < ipLength; i++) keys[at + 6 + i] = buf[ipOffset + i];
    return false;
  }
}
