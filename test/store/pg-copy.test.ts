import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyEncodeError, copyRows, encodeCopyBinary, type CopyType } from '../../src/store/pg-copy.js';
import { PG_ADMIN_URL, pgSkipReason } from './store-targets.js';

describe('encodeCopyBinary', () => {
  it('writes the signature, an empty header, each tuple and the trailer (PostgreSQL manual, COPY binary format)', () => {
    const [b] = encodeCopyBinary('t', [{ id: -2, name: 'é', n: null, x: 1.5, p: 104 }], ['id', 'name', 'n', 'x', 'p'], ['int8', 'text', 'text', 'float8', 'int4']);
    expect(b.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(b.readInt32BE(11)).toBe(0);
    expect(b.readInt32BE(15)).toBe(0);
    let o = 19;
    expect(b.readInt16BE(o)).toBe(5);
    o += 2;
    expect(b.readInt32BE(o)).toBe(8);
    expect(b.readBigInt64BE(o + 4)).toBe(-2n);
    o += 12;
    expect(b.readInt32BE(o)).toBe(2); // "é" is two bytes of UTF-8
    expect(b.subarray(o + 4, o + 6).toString('utf8')).toBe('é');
    o += 6;
    expect(b.readInt32BE(o)).toBe(-1);
    o += 4;
    expect(b.readDoubleBE(o + 4)).toBe(1.5);
    o += 12;
    expect(b.readInt32BE(o)).toBe(4);
    expect(b.readInt32BE(o + 4)).toBe(104);
    o += 8;
    expect(b.readInt16BE(o)).toBe(-1);
    expect(b.length).toBe(o + 2);
  });

  it('splits the stream into chunks, a value larger than a chunk in one piece', () => {
    const big = 'x'.repeat(3 << 20);
    const chunks = encodeCopyBinary('t', [{ s: 'a' }, { s: big }, { s: 'b' }], ['s'], ['text']);
    expect(chunks.length).toBeGreaterThan(1);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(19 + (2 + 4 + 1) * 2 + (2 + 4 + big.length) + 2);
    expect(all.indexOf(big)).toBeGreaterThan(0);
  });

  it('writes text as UTF-8 exactly as Buffer does, short and long, ASCII or not, a non-ASCII unit first, last or alone', () => {
    const texts = ['', 'a', 'é', '\u007f', '\u0080', '日本', '😀x', '\ud800', 'x'.repeat(23) + 'é', 'é' + 'x'.repeat(23), 'y'.repeat(24), 'y'.repeat(25), 'z'.repeat(25) + '😀', 'w'.repeat(100) + 'é'];
    const all = Buffer.concat(encodeCopyBinary('t', texts.map((s) => ({ s })), ['s'], ['text']));
    let o = 19;
    for (const s of texts) {
      expect(all.readInt16BE(o)).toBe(1);
      const len = all.readInt32BE(o + 2);
      expect(all.subarray(o + 6, o + 6 + len).equals(Buffer.from(s, 'utf8'))).toBe(true);
      o += 6 + len;
    }
    expect(all.readInt16BE(o)).toBe(-1);
  });

  it('refuses a value its column cannot hold, naming the table, row and column', () => {
    const enc = (v: unknown, type: CopyType) => () => encodeCopyBinary('observations', [{ c: null }, { c: v }], ['c'], [type]);
    expect(enc(1.5, 'int8')).toThrow(new CopyEncodeError('observations row 2, column c (int8): 1.5 is not an integer'));
    expect(enc(2 ** 31, 'int4')).toThrow(/row 2, column c \(int4\): 2147483648 is not a 32-bit integer/);
    expect(enc(7, 'text')).toThrow(/row 2, column c \(text\): a number, not a string/);
    expect(enc('1', 'float8')).toThrow(/row 2, column c \(float8\): a string, not a number/);
  });
});

describe.skipIf(pgSkipReason !== null)('copyRows read back by PostgreSQL', () => {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  const table = `vigil_copy_test_${process.pid}`;
  beforeAll(async () => {
    await client.connect();
    await client.query(`create temporary table ${table} (id int8 primary key, n int4, x float8, s text)`);
  });
  afterAll(() => client.end());

  it('gives back every value as it was: large and negative integers, floats, text PostgreSQL quotes or escapes, NULL', async () => {
    const texts = ['plain', '"quoted"', '\\\\pacs01\\images', 'tab\there\nnewline\r', '{"json": [1, 2]}', 'a,b{c}', '', 'Ünïcödé ✓ 🩺', 'N\\N', '\\N'];
    const rows = texts.map((s, i) => ({ id: [2 ** 53 - 1, -(2 ** 53) + 1, -1, 0, 2 ** 32, -(2 ** 32), 4294967295, 1, 2, 3][i], n: i % 3 === 0 ? null : -i * 1000, x: [0.1, -0, 1e-300, 1e300, Infinity, -Infinity, 2.5, 3, 4, 5][i], s }));
    rows.push({ id: 42, n: null, x: null as never, s: null as never });
    await client.query('begin');
    await copyRows(client as never, table, rows, ['id', 'n', 'x', 's'], ['int8', 'int4', 'float8', 'text']);
    await client.query('commit');
    const back = await client.query(`select id::text, n, x, s from ${table}`);
    const byId = new Map(back.rows.map((r: { id: string; n: number | null; x: number | null; s: string | null }) => [r.id, r]));
    expect(byId.size).toBe(rows.length);
    for (const r of rows) expect(byId.get(String(r.id))).toEqual({ id: String(r.id), n: r.n, x: r.x, s: r.s });
  });

  it('a row PostgreSQL refuses fails the copy with its error, and the connection carries on', async () => {
    await client.query('begin');
    const err = await copyRows(client as never, table, [{ id: 1000 }, { id: 1000 }], ['id'], ['int8']).catch((e: unknown) => e);
    await client.query('rollback');
    expect(err).toMatchObject({ code: '23505' });
    expect((await client.query(`select count(*)::int as n from ${table} where id = 1000`)).rows[0].n).toBe(0);
  });

  it('carries many chunks (a few megabytes of rows)', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: 10_000 + i, s: `${i}:${'v'.repeat(900)}` }));
    await copyRows(client as never, table, rows, ['id', 's'], ['int8', 'text']);
    const r = await client.query(`select count(*)::int as n, sum(length(s))::int as len from ${table} where id between 10000 and 14999`);
    expect(r.rows[0]).toEqual({ n: 5000, len: rows.reduce((n, x) => n + x.s.length, 0) });
  });
});
