import { describe, expect, it } from 'vitest';
import { ipText, ipv4Text, ipv6Text, macText } from '../../src/decode/address-text.js';
import { ipv6Bytes } from './build.js';
import { randInt, rng } from './fixtures.js';

const text6 = (input: string) => ipv6Text(Buffer.concat([Buffer.from([0xee, 0xee]), ipv6Bytes(input)]), 2);

describe('IPv6 text (RFC 5952)', () => {
  it.each([
    // §4.1 leading zeros dropped; §4.3 lower case
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
    ['FE80:0:0:0:0200:5EFF:FE00:5301', 'fe80::200:5eff:fe00:5301'],
    // §4.2.1 shorten as much as possible
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    // §4.2.2 one zero group is not shortened
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:1:1:1:1:1:1:1', '0:1:1:1:1:1:1:1'],
    // §4.2.3 the longest run; the first of equal runs
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
    // runs at either end, all zeros
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:0:0:0:0:0:0:2', '1::2'],
    ['fd98:0:0:0:0:0:0:0', 'fd98::'],
    ['ff02:0:0:0:0:1:ff00:2', 'ff02::1:ff00:2'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    // §5 IPv4-mapped addresses keep the dotted tail
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['0:0:0:0:0:ffff:0:0', '::ffff:0.0.0.0'],
    // ... but not addresses that merely look similar
    ['0:0:0:0:1:ffff:c000:201', '::1:ffff:c000:201'],
    ['64:ff9b:0:0:0:0:c000:201', '64:ff9b::c000:201'],
  ])('%s → %s', (input, expected) => {
    expect(text6(input)).toBe(expected);
  });

  it('agrees with the WHATWG URL serializer on random zero-heavy addresses', () => {
    const r = rng(5952);
    for (let i = 0; i < 20000; i++) {
      const groups = Array.from({ length: 8 }, () => (r() < 0.5 ? 0 : r() < 0.5 ? randInt(r, 16) : randInt(r, 0x10000)));
      const bytes = Buffer.alloc(16);
      groups.forEach((g, j) => bytes.writeUInt16BE(g, 2 * j));
      const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
      if (mapped) continue; // URL writes these in hex; RFC 5952 §5 (and tshark) dotted
      const url = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
      expect(ipv6Text(bytes, 0), groups.join(':')).toBe(url);
    }
  });
});

describe('IPv4, MAC and generic text', () => {
  it('formats at an offset', () => {
    const b = Buffer.from([9, 10, 98, 0, 255, 9]);
    expect(ipv4Text(b, 1)).toBe('10.98.0.255');
    expect(macText(Buffer.from('ff02980000000aff', 'hex'), 1)).toBe('02:98:00:00:00:0a');
    expect(ipText(b, 1, 4)).toBe('10.98.0.255');
    expect(ipText(ipv6Bytes('fd98::1'), 0, 16)).toBe('fd98::1');
  });
});
