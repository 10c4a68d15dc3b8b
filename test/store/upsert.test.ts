import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctKeyRounds, pgArrayLiteral } from '../../src/store/upsert.js';
import { PG_ADMIN_URL, pgSkipReason } from './store-targets.js';

describe('distinctKeyRounds', () => {
  it('puts the n-th row of a key in round n, keeping the rows order within a round', () => {
    const rows = [
      { d: 1, k: 'a', v: 'x', n: 1 },
      { d: 1, k: 'a', v: 'y', n: 2 },
      { d: 2, k: 'a', v: 'x', n: 3 },
      { d: 1, k: 'a', v: 'x', n: 4 },
      { d: 1, k: 'a', v: 'x', n: 5 },
      { d: 2, k: 'a', v: 'x', n: 6 },
    ];
    const rounds = distinctKeyRounds(rows, ['d', 'k', 'v']);
    expect(rounds.map((r) => r.map((x) => x.n))).toEqual([[1, 2, 3], [4, 6], [5]]);
  });

  it('tells apart keys that a joined text would run together, and one-column keys', () => {
    const rows = [
      { a: 'x\u0000y', b: 'z' },
      { a: 'x', b: 'y\u0000z' },
      { a: null, b: 'z' },
      { a: 'null', b: 'z' },
    ];
    expect(distinctKeyRounds(rows, ['a', 'b'])).toHaveLength(1);
    expect(distinctKeyRounds([{ id: 7 }, { id: 8 }, { id: 7 }], ['id']).map((r) => r.length)).toEqual([2, 1]);
  });
});

describe.skipIf(pgSkipReason !== null)('pgArrayLiteral read back by PostgreSQL', () => {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  const roundTrip = async (values: unknown[], type: string) => {
    const literal = pgArrayLiteral(values.map((v) => ({ c: v })), 'c');
    const r = await client.query(`select unnest($1::${type}[]) as v`, [literal]);
    return r.rows.map((x: { v: unknown }) => x.v);
  };

  it('gives back every text as it was: quotes, backslashes before letters, control characters, NULL', async () => {
    const values = [
      'plain',
      '"SOMATOM"',
      JSON.stringify('\\\\pacs01\\images'),
      '\\\\server\\share',
      'line one\nline two\ttab',
      'bell \u0007 and \u0001',
      'quote " and backslash \\',
      '',
      'NULL',
      null,
      'é ü 漢字 🩺',
      '{braces,and commas}',
    ];
    expect(await roundTrip(values, 'text')).toEqual(values);
  });

  it('gives back numbers exactly, with non-finite ones and NULLs', async () => {
    const values = [0, -1, 1700000000.123456, 2 ** 53 - 1, null, 1e-7, Number.NaN, Number.POSITIVE_INFINITY];
    const back = (await roundTrip(values, 'float8')) as (number | null)[];
    expect(back).toEqual(values);
    expect(await roundTrip([1, 2, null, 65535], 'int4')).toEqual([1, 2, null, 65535]);
  });
});
