// IOC import: CSV and STIX 2.1 bundles, bad entries named with their file and position, valid ones kept.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IocSet } from '../../src/detect/ioc.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ioc-'));

describe('IOC import', () => {
  it('reads the shipped examples (CSV and STIX)', () => {
    const s = new IocSet();
    s.load(fileURLToPath(new URL('../../knowledge/detect/ioc-examples.csv', import.meta.url)));
    s.load(fileURLToPath(new URL('../../knowledge/detect/ioc-examples.stix.json', import.meta.url)));
    expect(s.errors).toEqual([]);
    expect(s.match('domain', 'TestMyIDS.com')?.type).toBe('domain');
    expect(s.match('ip', '203.0.113.66')?.description).toMatch(/exfiltration/);
    expect(s.match('domain', 'x.dicom-drop.exfil.example')).toBeDefined();
    expect(s.match('ip', '203.0.113.67')).toBeUndefined();
  });
  it('keeps the valid CSV lines and names the bad ones', () => {
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'ip,10.0.0.300x\nja3,e7d705a3286e19ea42f587b344ee6865,Tor\nbogus,1\nsha256,' + 'ab'.repeat(32) + '\nonlyonefield\n');
    const s = new IocSet();
    s.load(f);
    expect(s.size).toBe(2);
    expect(s.errors).toEqual([`${f}:1: "10.0.0.300x" is not a valid ip`, `${f}:3: unknown indicator type "bogus" (expected ip, domain, ja3, ja4, sha256, md5, sha1)`, `${f}:5: expected "type,value[,description]"`]);
  });
  it('rejects what is not a bundle, and indicators it cannot use', () => {
    const f = join(dir, 'b.json');
    writeFileSync(f, JSON.stringify({ type: 'bundle', objects: [{ type: 'indicator', id: 'indicator--1', pattern: "[process:name = 'evil.exe']", pattern_type: 'stix' }, { type: 'indicator', id: 'indicator--2', pattern: "[ipv6-addr:value = '2001:db8::1']" }] }));
    const s = new IocSet();
    s.load(f);
    expect(s.match('ip', '2001:db8::1')).toBeDefined();
    expect(s.errors).toEqual([`${f}: objects[0] (indicator--1): no supported comparison in pattern [process:name = 'evil.exe']`]);
    const g = join(dir, 'c.json');
    writeFileSync(g, '{"type": "report"}');
    s.load(g);
    expect(s.errors[1]).toMatch(/not a STIX 2.1 bundle/);
  });
});
