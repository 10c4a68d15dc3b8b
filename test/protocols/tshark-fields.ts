/** tshark as an oracle for dissector tests: which captures to read, and its fields per packet. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SHARED = new URL('../../../shared/captures/', import.meta.url);
export const haveShared = existsSync(SHARED);
export const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

/** Why capture-based tests cannot run here ('' when they can); says so once on the console. */
export function captureSkipReason(testName: string): string {
  const why = !haveShared ? '../shared is absent' : !haveTshark ? 'tshark is not installed' : '';
  if (why) console.info(`${testName}: skipping the capture-based tests: ${why}`);
  return why;
}

/** tshark's fields for every packet matching `filter`, one array per packet (multi-valued fields joined by `|`). */
export function tsharkRows(capture: string, filter: string, fields: readonly string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', new URL(capture, SHARED).pathname, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/** A `|`-joined multi-valued field as a list. */
export const list = (field: string | undefined): string[] => (field === undefined || field === '' ? [] : field.split('|'));
