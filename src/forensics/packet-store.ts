/**
 * The rolling packet store: every packet, as it is read, appended to pcapng segment files of a set size,
 * each with a fixed-record index (packet-index.ts) and listed in a manifest (segment-manifest.ts) once closed.
 * Retention (a disk bound and a maximum age, measured in packet time so that replayed captures age like
 * live ones) deletes the oldest segments first and counts what it dropped; segments overlapping a pinned
 * window are kept past it. Closed segments can be encrypted at rest (segment-cipher.ts).
 *
 * A segment file and its index together stay within the segment size (unless one packet alone is larger), so
 * closed segments plus the one being written stay within the disk bound.
 *
 * Hot path: append() copies the frame into one reused output buffer and the index record into another;
 * files are written only when a buffer fills or a segment closes.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketRecord } from '../capture/packet-record.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { INDEX_RECORD, writeIndexRecord } from './packet-index.js';
import { epbLength, IDB_LENGTH, SHB_LENGTH, writeEpb, writeIdb, writeShb } from './pcapng-blocks.js';
import { encryptSegment, ENCRYPTED_HEADER } from './segment-cipher.js';
import { SegmentHasher } from './segment-hasher.js';
import { isPinned, loadManifest, saveManifest, segmentNames, type DropCounts, type Manifest, type PinnedWindow, type SegmentEntry } from './segment-manifest.js';

export interface PacketStoreOptions {
  /** A segment closes once it and its index reach this many octets. */
  segmentBytes: number;
  /** Disk bound for the whole store (segments and indexes). */
  maxBytes: number;
  /** Segments whose newest packet is older than this (relative to the newest packet stored) are dropped. */
  maxAgeS: number;
  /** AES-256 key (32 octets): closed segments are encrypted. */
  key?: Buffer;
  /**
   * Record each plaintext segment's SHA-256 in the manifest so queries detect altered packets. Computed on a
   * worker thread once the segment closes; off by default: on a busy 2-core machine it took the store's cost
   * from about 20% to about 36% of `vigil analyze` (bench/packet-store-bench.ts).
   */
  hashSegments?: boolean;
}

export const DEFAULT_STORE_OPTIONS: PacketStoreOptions = { segmentBytes: 64 << 20, maxBytes: 10 * 2 ** 30, maxAgeS: 30 * 86400, hashSegments: false };

const OUT_BUFFER = 4 << 20;
const INDEX_BUFFER = 256 << 10;

export class PacketStoreError extends Error {}

export interface PacketStoreStats {
  segments: number;
  packets: number;
  bytes: number;
  dropped: DropCounts;
  overBound: string | null;
}

export class PacketStore {
  private readonly manifest: Manifest;
  private nextId: number;
  private readonly out = Buffer.allocUnsafe(OUT_BUFFER);
  private outPos = 0;
  private readonly idx = Buffer.allocUnsafe(INDEX_BUFFER);
  private idxPos = 0;
  // The open segment.
  private segFd = -1;
  private idxFd = -1;
  private segId = 0;
  private segBytes = 0;
  private idxBytes = 0;
  private segPackets = 0;
  private firstTs = Infinity;
  private lastTs = -Infinity;
  /** Link type → interface id in the open segment; the last lookup is cached (one link type is the norm). */
  private interfaces = new Map<number, number>();
  private lastLink = -1;
  private lastIf = 0;
  /** Newest packet time seen: "now" for the age bound. */
  private newestTs = -Infinity;
  private closed = false;
  private hasher: SegmentHasher | null = null;
  private readonly budget: number;

  private constructor(
    readonly dir: string,
    readonly options: PacketStoreOptions,
    manifest: Manifest,
    nextId: number,
  ) {
    this.manifest = manifest;
    this.nextId = nextId;
    // A sealed segment carries the cipher's header too: it counts against the segment size.
    this.budget = options.segmentBytes - (options.key ? ENCRYPTED_HEADER : 0);
    for (const s of manifest.segments) if (s.lastTs > this.newestTs) this.newestTs = s.lastTs;
  }

  /** Opens (creating it if needed) the store in `dir`; a segment left open by a crash is recovered from its index. */
  static open(dir: string, options: Partial<PacketStoreOptions> = {}): PacketStore {
    // Options given as undefined (an unset CLI flag) keep their defaults.
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<PacketStoreOptions>;
    const o: PacketStoreOptions = { ...DEFAULT_STORE_OPTIONS, ...given };
    if (!(o.segmentBytes >= 4096)) throw new PacketStoreError(`packet store ${dir}: segment size must be at least 4096 octets`);
    if (!(o.maxBytes >= 2 * o.segmentBytes)) throw new PacketStoreError(`packet store ${dir}: the disk bound (${o.maxBytes}) must hold at least two segments (${o.segmentBytes} each)`);
    if (o.key && o.key.length !== 32) throw new PacketStoreError(`packet store ${dir}: the key must be 32 octets (AES-256)`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new PacketStoreError(`packet store ${dir}: cannot create it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const manifest = loadManifest(dir);
    let maxId = 0;
    for (const s of manifest.segments) maxId = Math.max(maxId, s.id);
    const known = new Set(manifest.segments.map((s) => s.file));
    const store = new PacketStore(dir, o, manifest, maxId + 1);
    for (const name of readdirSync(dir).sort()) {
      const m = /^seg-(\d+)\.pcapng$/.exec(name);
      if (!m || known.has(name)) continue;
      store.recover(Number(m[1]));
      store.nextId = Math.max(store.nextId, Number(m[1]) + 1);
    }
    store.enforceRetention(0);
    saveManifest(dir, manifest);
    return store;
  }

  append(rec: PacketRecord, p: DecodedPacket): void {
    const caplen = rec.caplen;
    const len = epbLength(caplen);
    // A segment closes before the packet that would take it past its size (a larger packet alone still fits).
    if (this.segFd >= 0 && this.segBytes + this.idxBytes + len + INDEX_RECORD + IDB_LENGTH > this.budget) this.closeSegment();
    if (this.segFd < 0) this.openSegment();
    let ifId: number;
    if (rec.linkType === this.lastLink) ifId = this.lastIf;
    else ifId = this.interfaceFor(rec.linkType);
    if (this.outPos + len > OUT_BUFFER) this.flushOut();
    if (this.idxPos + INDEX_RECORD > INDEX_BUFFER) this.flushIndex();
    const offset = this.segBytes;
    if (len > OUT_BUFFER) {
      const big = Buffer.allocUnsafe(len);
      writeEpb(big, 0, ifId, rec.tsSec, rec.tsNsec, rec.buf, rec.offset, caplen, rec.origLen);
      this.flushOut();
      writeAll(this.segFd, big, len);
    } else {
      this.outPos = writeEpb(this.out, this.outPos, ifId, rec.tsSec, rec.tsNsec, rec.buf, rec.offset, caplen, rec.origLen);
    }
    writeIndexRecord(this.idx, this.idxPos, rec, p, offset, len);
    this.idxPos += INDEX_RECORD;
    this.segBytes += len;
    this.idxBytes += INDEX_RECORD;
    this.segPackets++;
    const ts = rec.tsSec + rec.tsNsec / 1e9;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    if (ts > this.newestTs) this.newestTs = ts;
  }

  /** Keeps every segment overlapping [from, to] (seconds since the epoch) past retention. */
  pin(from: number, to: number, reason: string): void {
    if (!(Number.isFinite(from) && Number.isFinite(to)) || to < from) throw new PacketStoreError(`packet store ${this.dir}: pin window [${from}, ${to}] is not a time range`);
    this.manifest.pins.push({ from, to, reason, pinnedAt: Date.now() / 1000 });
    saveManifest(this.dir, this.manifest);
  }

  get pins(): readonly PinnedWindow[] {
    return this.manifest.pins;
  }

  /** Writes buffered packets to disk (the open segment stays open and unencrypted). */
  flush(): void {
    if (this.segFd < 0) return;
    this.flushOut();
    this.flushIndex();
  }

  /** Closes the open segment and writes the manifest. */
  close(): void {
    if (this.closed) return;
    if (this.segFd >= 0) this.closeSegment();
    saveManifest(this.dir, this.manifest);
    this.closed = true;
  }

  stats(): PacketStoreStats {
    const open = this.segFd >= 0;
    let packets = open ? this.segPackets : 0;
    let bytes = open ? this.segBytes + this.idxBytes : 0;
    for (const s of this.manifest.segments) {
      packets += s.packets;
      bytes += s.bytes + s.indexBytes;
    }
    return { segments: this.manifest.segments.length + (open ? 1 : 0), packets, bytes, dropped: { ...this.manifest.dropped }, overBound: this.manifest.overBound };
  }

  private openSegment(): void {
    this.segId = this.nextId++;
    const names = segmentNames(this.segId);
    try {
      this.segFd = openSync(join(this.dir, names.file), 'w');
      this.idxFd = openSync(join(this.dir, names.index), 'w');
    } catch (err) {
      throw new PacketStoreError(`packet store ${this.dir}: cannot create segment ${names.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    this.outPos = writeShb(this.out, 0);
    this.segBytes = SHB_LENGTH;
    this.idxBytes = 0;
    this.segPackets = 0;
    this.firstTs = Infinity;
    this.lastTs = -Infinity;
    this.interfaces.clear();
    this.lastLink = -1;
  }

  private interfaceFor(linkType: number): number {
    let id = this.interfaces.get(linkType);
    if (id === undefined) {
      id = this.interfaces.size;
      this.interfaces.set(linkType, id);
      if (this.outPos + IDB_LENGTH > OUT_BUFFER) this.flushOut();
      this.outPos = writeIdb(this.out, this.outPos, linkType);
      this.segBytes += IDB_LENGTH;
    }
    this.lastLink = linkType;
    this.lastIf = id;
    return id;
  }

  private flushOut(): void {
    writeAll(this.segFd, this.out, this.outPos);
    this.outPos = 0;
  }

  /** The segment's octets go first, so the index never points past what is on disk. */
  private flushIndex(): void {
    this.flushOut();
    writeAll(this.idxFd, this.idx, this.idxPos);
    this.idxPos = 0;
  }

  private closeSegment(): void {
    this.flushIndex();
    closeSync(this.segFd);
    closeSync(this.idxFd);
    this.segFd = -1;
    this.idxFd = -1;
    const names = segmentNames(this.segId);
    const entry: SegmentEntry = {
      id: this.segId,
      file: names.file,
      index: names.index,
      firstTs: this.segPackets > 0 ? this.firstTs : 0,
      lastTs: this.segPackets > 0 ? this.lastTs : 0,
      packets: this.segPackets,
      bytes: this.segBytes,
      indexBytes: this.idxBytes,
      encrypted: false,
    };
    this.seal(entry);
    this.manifest.segments.push(entry);
    this.enforceRetention(this.options.segmentBytes);
    saveManifest(this.dir, this.manifest);
    // Sealed segments are authenticated by AES-GCM; plaintext ones by their hash in the manifest.
    if (!entry.encrypted && this.options.hashSegments && this.manifest.segments.includes(entry)) {
      this.hasher ??= new SegmentHasher();
      this.hasher.hash(join(this.dir, entry.file), (sha256) => {
        if (sha256 === null || !this.manifest.segments.includes(entry)) return;
        entry.sha256 = sha256;
        saveManifest(this.dir, this.manifest);
      });
    }
  }

  /** Resolves once the closed segments' hashes are in the manifest (close() does not wait for them). */
  async drain(): Promise<void> {
    await this.hasher?.drain();
  }

  /** Encrypts a closed segment in place of its plaintext when the store has a key. */
  private seal(entry: SegmentEntry): void {
    if (!this.options.key) return;
    const plainPath = join(this.dir, entry.file);
    const sealed = encryptSegment(readFileSync(plainPath), this.options.key, entry.file + '.enc');
    writeFileSync(plainPath + '.enc', sealed);
    unlinkSync(plainPath);
    entry.file += '.enc';
    entry.bytes = sealed.length;
    entry.encrypted = true;
  }

  /**
   * Drops the oldest unpinned segments while the store plus `reserve` (room for the segment about to
   * open) exceeds the disk bound, and every unpinned segment past the maximum age.
   */
  private enforceRetention(reserve: number): void {
    const m = this.manifest;
    let total = 0;
    for (const s of m.segments) total += s.bytes + s.indexBytes;
    const oldest = this.newestTs - this.options.maxAgeS;
    const kept: SegmentEntry[] = [];
    for (const s of m.segments) {
      const tooBig = total + reserve > this.options.maxBytes;
      const tooOld = s.lastTs < oldest;
      if ((tooBig || tooOld) && !isPinned(s, m.pins)) {
        this.deleteSegment(s);
        total -= s.bytes + s.indexBytes;
        m.dropped.segments++;
        m.dropped.packets += s.packets;
        m.dropped.bytes += s.bytes + s.indexBytes;
      } else {
        kept.push(s);
      }
    }
    m.segments = kept;
    m.overBound = total + reserve > this.options.maxBytes ? `pinned segments hold ${total} octets: the bound of ${this.options.maxBytes} (less room for one open segment) cannot be kept` : null;
  }

  private deleteSegment(s: SegmentEntry): void {
    for (const name of [s.file, s.index]) {
      try {
        unlinkSync(join(this.dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PacketStoreError(`packet store ${this.dir}: cannot delete ${name} (${(err as NodeJS.ErrnoException).code})`);
      }
    }
  }

  /**
   * A segment the manifest does not list was open when the writer stopped: its index says which packets
   * reached the disk whole. The segment is cut after the last of them and listed (sealed if keyed).
   */
  private recover(id: number): void {
    const names = segmentNames(id);
    const segPath = join(this.dir, names.file);
    const idxPath = join(this.dir, names.index);
    const index = existsSync(idxPath) ? readFileSync(idxPath) : Buffer.alloc(0);
    const segSize = statSync(segPath).size;
    let records = Math.floor(index.length / INDEX_RECORD);
    while (records > 0) {
      const at = (records - 1) * INDEX_RECORD;
      if (index.readUInt32LE(at + 8) + index.readUInt32LE(at + 12) <= segSize) break;
      records--;
    }
    let firstTs = Infinity;
    let lastTs = -Infinity;
    let end = SHB_LENGTH;
    for (let i = 0; i < records; i++) {
      const at = i * INDEX_RECORD;
      const ts = index.readUInt32LE(at) + index.readUInt32LE(at + 4) / 1e9;
      if (ts < firstTs) firstTs = ts;
      if (ts > lastTs) lastTs = ts;
      end = index.readUInt32LE(at + 8) + index.readUInt32LE(at + 12);
    }
    if (records === 0) {
      this.deleteSegment({ file: names.file, index: names.index } as SegmentEntry);
      return;
    }
    const fd = openSync(segPath, 'r+');
    if (fstatSync(fd).size > end) ftruncateSync(fd, end);
    closeSync(fd);
    writeFileSync(idxPath, index.subarray(0, records * INDEX_RECORD));
    const sha256 = createHash('sha256').update(readFileSync(segPath)).digest('hex');
    const entry: SegmentEntry = { id, file: names.file, index: names.index, firstTs, lastTs, packets: records, bytes: end, indexBytes: records * INDEX_RECORD, encrypted: false, sha256 };
    this.seal(entry);
    this.manifest.segments.push(entry);
    this.manifest.segments.sort((a, b) => a.id - b.id);
    if (lastTs > this.newestTs) this.newestTs = lastTs;
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let off = 0;
  while (off < length) off += writeSync(fd, buf, off, length - off);
}
