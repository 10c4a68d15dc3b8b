// A fact goes out once per host (MAC and address), key and value: the analyzer's de-duplication.
import { describe, expect, it } from 'vitest';
import { ObservationDedup } from '../../src/analyze/observation-dedup.js';
import type { Endpoint } from '../../src/protocols/observation.js';

const host = (mac: string | null, ip: string): Endpoint => ({ mac, ip, port: 0 });

describe('observation de-duplication', () => {
  it('reports a fact once per host, key and value', () => {
    const d = new ObservationDedup();
    const pump = host('00:1b:63:00:00:01', '10.20.0.5');
    expect(d.isNew(pump, 'dns.query', 'pacs.example')).toBe(true);
    expect(d.isNew(pump, 'dns.query', 'pacs.example')).toBe(false);
    expect(d.isNew(pump, 'dns.query', 'ehr.example')).toBe(true);
    expect(d.isNew(pump, 'dns.qtype', 1)).toBe(true);
    expect(d.isNew(pump, 'dns.qtype', '1')).toBe(true);
    expect(d.isNew({ ...pump, port: 5353 }, 'dns.query', 'pacs.example')).toBe(false);
    expect(d.duplicates).toBe(2);
  });

  it('keeps the hosts that share an address apart by MAC, however many there are', () => {
    const d = new ObservationDedup();
    // DHCP clients all speak from 0.0.0.0; LLDP and CDP senders have no address at all.
    for (const ip of ['0.0.0.0', '']) {
      for (let i = 0; i < 5; i++) expect(d.isNew(host(`00:1b:63:00:00:0${i}`, ip), 'dhcp.hostname', 'pump'), `${ip} ${i}`).toBe(true);
      for (let i = 0; i < 5; i++) expect(d.isNew(host(`00:1b:63:00:00:0${i}`, ip), 'dhcp.hostname', 'pump'), `${ip} ${i} again`).toBe(false);
    }
    // A host without a known MAC is a host of its own, and so is the same MAC at another address.
    expect(d.isNew(host(null, '0.0.0.0'), 'dhcp.hostname', 'pump')).toBe(true);
    expect(d.isNew(host(null, '0.0.0.0'), 'dhcp.hostname', 'pump')).toBe(false);
    expect(d.isNew(host('00:1b:63:00:00:00', '10.20.0.9'), 'dhcp.hostname', 'pump')).toBe(true);
  });

  it('compares list values by content', () => {
    const d = new ObservationDedup();
    const monitor = host('00:09:fb:00:00:02', '10.30.0.7');
    expect(d.isNew(monitor, 'dhcp.parameter_request_list', [1, 3, 6, 15])).toBe(true);
    expect(d.isNew(monitor, 'dhcp.parameter_request_list', [1, 3, 6, 15])).toBe(false);
    expect(d.isNew(monitor, 'dhcp.parameter_request_list', [1, 3, 15, 6])).toBe(true);
    expect(d.isNew(monitor, 'tls.san', ['monitor.example'])).toBe(true);
    expect(d.isNew(monitor, 'tls.san', ['monitor.example'])).toBe(false);
  });

  it('past its bound forgets and starts again: a fact may repeat, none is lost', () => {
    const d = new ObservationDedup(3);
    const a = host('00:1b:63:00:00:01', '10.20.0.5');
    for (const v of ['a', 'b', 'c']) expect(d.isNew(a, 'k', v)).toBe(true);
    expect(d.isNew(a, 'k', 'a')).toBe(false);
    // The fourth value is new: it is reported, and the table starts over from it.
    expect(d.isNew(a, 'k', 'd')).toBe(true);
    expect(d.isNew(a, 'k', 'd')).toBe(false);
    expect(d.isNew(a, 'k', 'a')).toBe(true);
  });
});
