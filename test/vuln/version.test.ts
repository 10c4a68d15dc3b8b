import { describe, expect, it } from 'vitest';
import { compareVersions, extractVersion, parseConstraint, satisfies } from '../../src/vuln/version.js';

describe('version comparator for medical firmware strings', () => {
  // [a, b, expected sign of compare(a, b)]
  const table: [string, string, number][] = [
    ['12.1.2', '12.1.3', -1],
    ['12.1.3', '12.1.3', 0],
    ['12.3.1', '12.3', 1],
    ['12.1', '12.1.0', 0],
    ['8.00.01', '8.0.1', 0],
    ['8.00.01', '8.1', -1],
    ['9.13', '9.2', 1],
    ['M.00.03', 'M.00.04', -1],
    ['L.00.01', 'M.00.03', -1],
    ['C.03', 'C.02', 1],
    ['4.33', '4.4', 1],
    ['v20D29', 'v20D32', -1],
    ['v22D24', 'v20D32', 1],
    ['R3.1.1', 'R3.3', -1],
    ['2.4A', '2.4', 1],
    ['2.4A', '2.4.1', -1],
    ['V10.10', '10.9', 1],
    ['1.4.2.0-9d9eff4', '1.4.2.0', 1],
  ];
  it.each(table)('%s vs %s -> %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b)!)).toBe(sign);
    expect(Math.sign(compareVersions(b, a)!) + 0).toBe(-sign + 0);
  });

  it('says null when one side is no version', () => {
    expect(compareVersions('N', '1.0')).toBeNull();
    expect(compareVersions('2.0', 'Rev')).toBeNull();
  });

  it('finds the version inside a firmware or product text', () => {
    expect(extractVersion('Systems Manager 4.33')).toBe('4.33');
    expect(extractVersion('PIIC iX C.03')).toBe('C.03');
    expect(extractVersion('v8.x model 35700BAX2')).toBe('v8.x');
    expect(extractVersion('12.1.2')).toBe('12.1.2');
    expect(extractVersion('8')).toBe('8');
    // A bare number inside a longer text is a model number, not a version.
    expect(extractVersion('HD 16')).toBeNull();
    expect(extractVersion('syngo CT VA40A')).toBeNull();
  });
});

describe('constraints as advisories write them', () => {
  const cases: [string, string, boolean | null][] = [
    // [constraint text, firmware, satisfied?]
    ['<=12.1.3', '12.1.2', true],
    ['<=12.1.3', '12.1.3', true],
    ['<=12.1.3', '12.3.1', false],
    ['< 8.2.2', '8.2.2', false],
    ['< 8.2.2', '8.2.1', true],
    ['>= 5.01', '5.1', true],
    ['>= 5.01', '4.9', false],
    ['<= 12.2.x.x', '12.2.8.410', true],
    ['<= 12.2.x.x', '12.3', false],
    ['2.X', '2.0.8', true],
    ['2.X', '3.0', false],
    ['v8.x model 35700BAX2', '8.00.01', true],
    ['v8.x model 35700BAX2', '9.1', false],
    ['2.3.6 and below', '2.3.6', true],
    ['2.3.6 and below', '2.4', false],
    ['prior to 3.0', '2.9', true],
    ['prior to 3.0', '3.0', false],
    ['vers:all/*', 'anything', true],
    ['vers:generic/>=1.0|<2.0', '1.5', true],
    ['vers:generic/>=1.0|<2.0', '2.0', false],
    ['12.1.3', '12.1.3', true],
    ['12.1.3', '12.1.2', false],
    ['C.03', 'PIIC iX C.03', true],
    ['<=N', '1.0', null],
    ['distributed  < april 1, 2018', '1.0', null],
  ];
  it.each(cases)('%s with firmware %s -> %s', (text, fw, expected) => {
    expect(satisfies(fw, parseConstraint(text))).toBe(expected);
  });

  it('reads the kinds', () => {
    expect(parseConstraint('vers:all/*')).toEqual({ kind: 'all' });
    expect(parseConstraint('12.1.3')).toEqual({ kind: 'exact', version: '12.1.3' });
    expect(parseConstraint('<= 4.2')).toEqual({ kind: 'range', min: null, minInclusive: true, max: '4.2', maxInclusive: true });
    expect(parseConstraint('<= U61 ').kind).toBe('range');
    expect(parseConstraint('<=N').kind).toBe('unparsed');
  });
});
