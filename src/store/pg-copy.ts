/**
 * Rows into a PostgreSQL table through `COPY ... FROM STDIN (FORMAT binary)`: PostgreSQL's bulk
 * load path, for rows that need no conflict check (those of devices the same transaction created).
 * Against `INSERT ... SELECT * FROM unnest($1::text[], ...)` it spares building one array literal
 * per column here and parsing it there: for a first-contact window of 132,000 facts, about half the
 * client's time and a quarter of the server's (docs/benchmark.md, central ingest).
 *
 * The binary format, from the PostgreSQL manual ("COPY", "Binary Format"): an 11-byte signature
 * `PGCOPY\n\377\r\n\0`, a 32-bit flags field and a 32-bit header extension length (both 0 here);
 * then per tuple a 16-bit field count and, per field, a 32-bit byte length (-1 for NULL) and the
 * value in the type's send format (network byte order); then a 16-bit -1 as the trailer.
 * pg-copy-streams carries the bytes over node-postgres's connection; the encoding is ours because
 * the one package that encodes it (pg-copy-streams-binary) makes a stream chunk of every row.
 */
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** The column types the store writes; each value's binary send format is fixed by its type. */
export type CopyType = 'int8' | 'int4' | 'float8' | 'text';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Bytes per chunk handed to the socket: large enough to amortise a write, small enough to bound memory. */
const CHUNK = 1 << 20;
const TWO_32 = 2 ** 32;
/** ASCII text up to this many UTF-16 units is copied here byte by byte: below about 24 that beats a call to Buffer#write (about 50 ns), above it the call wins. */
const SHORT_TEXT = 24;

export class CopyEncodeError extends Error {
  override name = 'CopyEncodeError';
}

/**
 * The binary COPY stream of `rows` (each an object with a property per column), as chunks of about
 * CHUNK bytes. A value its column's type cannot hold throws CopyEncodeError naming the table, row
 * and column, before anything is sent.
 */
export function encodeCopyBinary(table: string, rows: readonly Record<string, unknown>[], columns: readonly string[], types: readonly CopyType[]): Buffer[] {
  const chunks: Buffer[] = [];
  let buf = Buffer.allocUnsafe(CHUNK);
  let o = 0;
  /** Room for `n` more bytes, starting a new chunk if this one has too little. */
  const room = (n: number) => {
    if (o + n <= buf.length) return;
    chunks.push(buf.subarray(0, o));
    buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    o = 0;
  };
  SIGNATURE.copy(buf, 0);
  buf.writeInt32BE(0, 11);
  buf.writeInt32BE(0, 15);
  o = 19;
  const n = columns.length;
  const fail = (row: number, c: number, what: string): never => {
    throw new CopyEncodeError(`${table} row ${row + 1}, column ${columns[c]} (${types[c]}): ${what}`);
  };
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    room(2);
    buf.writeInt16BE(n, o);
    o += 2;
    for (let c = 0; c < n; c++) {
      const v = row[columns[c]];
      if (v === null || v === undefined) {
        room(4);
        buf.writeInt32BE(-1, o);
        o += 4;
        continue;
      }
      switch (types[c]) {
        case 'text': {
          if (typeof v !== 'string') fail(r, c, `a ${typeof v}, not a string`);
          const s = v as string;
          // UTF-8 takes at most 3 bytes per UTF-16 unit.
          room(4 + s.length * 3);
          // Most values are short ASCII (keys, addresses, names): copied here, they spare a call into
          // C++ per value; anything else goes to Buffer's encoder.
          let len = s.length <= SHORT_TEXT ? writeAscii(buf, o + 4, s) : -1;
          if (len < 0) len = buf.write(s, o + 4, 'utf8');
          buf.writeInt32BE(len, o);
          o += 4 + len;
          break;
        }
        case 'float8':
          if (typeof v !== 'number') fail(r, c, `a ${typeof v}, not a number`);
          room(12);
          buf.writeInt32BE(8, o);
          buf.writeDoubleBE(v as number, o + 4);
          o += 12;
          break;
        case 'int8': {
          if (!Number.isSafeInteger(v)) fail(r, c, `${String(v)} is not an integer`);
          const x = v as number;
          room(12);
          buf.writeInt32BE(8, o);
          // Two's complement in two halves: the high word is floor(x / 2^32), the low word what is left.
          const hi = Math.floor(x / TWO_32);
          buf.writeInt32BE(hi, o + 4);
          buf.writeUInt32BE(x - hi * TWO_32, o + 8);
          o += 12;
          break;
        }
        case 'int4':
          if (!Number.isInteger(v) || (v as number) < -0x80000000 || (v as number) > 0x7fffffff) fail(r, c, `${String(v)} is not a 32-bit integer`);
          room(8);
          buf.writeInt32BE(4, o);
          buf.writeInt32BE(v as number, o + 4);
          o += 8;
          break;
        default:
          fail(r, c, 'not a type this encoder writes');
      }
    }
  }
  room(2);
  buf.writeInt16BE(-1, o);
  o += 2;
  chunks.push(buf.subarray(0, o));
  return chunks;
}

/** Writes `s` at `at` if it is all ASCII (then its UTF-8 is its UTF-16 units) and returns its length; else -1. */
function writeAscii(buf: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 0x80) return -1;
    buf[at + i] = ch;
  }
  return s.length;
}

/** Copies `rows` into `table` on `client` (inside the caller's transaction, if any). */
export async function copyRows(client: PoolClient, table: string, rows: readonly Record<string, unknown>[], columns: readonly string[], types: readonly CopyType[]): Promise<void> {
  if (rows.length === 0) return;
  const chunks = encodeCopyBinary(table, rows, columns, types);
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin (format binary)`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    let i = 0;
    // Honour back-pressure: the next chunk only when the socket has taken the last.
    const write = () => {
      while (i < chunks.length) if (!stream.write(chunks[i++])) return void stream.once('drain', write);
      stream.end();
    };
    write();
  });
}
