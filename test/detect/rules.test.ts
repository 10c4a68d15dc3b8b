// One test per rule on hand-built flows and facts: each shows what fires the rule and what must not.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import { Detector } from '../../src/detect/detector.js';
import type { DeviceContext, DeviceInfo } from '../../src/detect/device-context.js';
import type { Observation, ObservationValue } from '../../src/protocols/observation.js';

let serial = 0;
function flow(o: string, r: string, port: number, p: Partial<FlowRecord> & { history?: string; origFlags?: number } = {}): FlowRecord {
  const { history = 'ShADadFf', origFlags = 0x1b, ...rest } = p;
  return {
    id: ++serial, proto: 'tcp', ipVersion: 4, vlan: 0,
    originator: { mac: null, ip: o, port: 40000 + (serial % 20000) }, responder: { mac: null, ip: r, port },
    firstTs: 1000, lastTs: 1001, durationS: 1, origPackets: 5, origBytes: 500, origPayloadBytes: 100, respPackets: 5, respBytes: 500, respPayloadBytes: 100,
    service: null, endReason: 'closed', tcp: { state: 'closed', history, origFlags, respFlags: 0x1b }, ...rest,
  };
}
const probe = (o: string, r: string, port: number, ts = 1000) => flow(o, r, port, { firstTs: ts, lastTs: ts, history: 'Sr', origFlags: 0x02, origPackets: 1, origPayloadBytes: 0, respPayloadBytes: 0 });
function fact(key: string, value: ObservationValue, src: string, dst: string, p: { ts?: number; srcMac?: string; sport?: number; dport?: number; flow?: number } = {}): Observation {
  return { ts: p.ts ?? 1000, key, value, src: { ip: src, mac: p.srcMac ?? null, port: p.sport ?? 40000 }, dst: { ip: dst, mac: null, port: p.dport ?? 80 }, flow: p.flow ?? 1 };
}
const medical = (ips: string[], category = 'infusion-pump', safetyImpact: DeviceInfo['safetyImpact'] = 'life-sustaining'): DeviceContext => ({
  device: (ip) => (ips.includes(ip) ? { deviceId: 7, category, safetyImpact, medical: true, workflows: [] } : null),
});
function run(feed: (d: Detector) => void, ctx?: DeviceContext, rules?: string[]) {
  const d = new Detector({ rules });
  feed(d);
  return d.finish(ctx).alerts;
}

describe('detection rules', () => {
  it('scan.horizontal: probes to 6 hosts, not 5', () => {
    expect(run((d) => [1, 2, 3, 4, 5].forEach((i) => d.flow(probe('10.0.0.9', `10.0.1.${i}`, 445))))).toEqual([]);
    const a = run((d) => [1, 2, 3, 4, 5, 6].forEach((i) => d.flow(probe('10.0.0.9', `10.0.1.${i}`, 445))));
    expect(a.map((x) => [x.rule, x.device.ip, x.evidence.hosts])).toEqual([['scan.horizontal', '10.0.0.9', 6]]);
  });
  it('scan.vertical: 6 ports of one host; connections that carried data are not probes', () => {
    expect(run((d) => [21, 22, 23, 80, 443, 445].forEach((p) => d.flow(flow('10.0.0.9', '10.0.1.1', p))))).toEqual([]);
    const a = run((d) => [21, 22, 23, 80, 443, 445].forEach((p) => d.flow(probe('10.0.0.9', '10.0.1.1', p))));
    expect(a.map((x) => [x.rule, x.device.ip, x.evidence.portCount])).toEqual([['scan.vertical', '10.0.1.1', 6]]);
  });
  it('scan.tcp-flags: SYN+FIN without ACK, not an ordinary connection', () => {
    expect(run((d) => d.flow(flow('10.0.0.9', '10.0.1.1', 80)))).toEqual([]);
    const a = run((d) => d.flow(flow('10.0.0.9', '10.0.1.1', 80, { history: 'SF', origFlags: 0x03, origPayloadBytes: 0 })));
    expect(a.map((x) => [x.rule, x.evidence.shape])).toEqual([['scan.tcp-flags', 'syn+fin']]);
  });
  it('scan.tool-signature: a scanner\'s SYN signature, once per tool and source; OS detection is high', () => {
    expect(run((d) => d.raw(fact('tcp.os', 'Linux 3.11 and newer', '10.0.0.9', '10.0.1.1')))).toEqual([]);
    const a = run((d) => {
      d.raw(fact('tcp.tool', 'NMap OS detection', '10.0.0.9', '10.0.1.1', { dport: 22 }));
      d.raw(fact('tcp.tool', 'NMap OS detection', '10.0.0.9', '10.0.1.2', { dport: 22 }));
    });
    expect(a.map((x) => [x.rule, x.severity, x.evidence.tool, x.evidence.port])).toEqual([['scan.tool-signature', 'high', 'NMap OS detection', 22]]);
    const b = run((d) => d.raw(fact('tcp.tool', 'NMap SYN scan', '10.0.0.8', '10.0.1.1', { dport: 80 })));
    expect(b.map((x) => [x.rule, x.severity])).toEqual([['scan.tool-signature', 'medium']]);
  });
  it('arp.spoofing: a second MAC claiming an address, and one MAC claiming two', () => {
    expect(run((d) => [0, 5].forEach((t) => d.raw(fact('arp.ip', '10.0.0.1', '10.0.0.1', '', { ts: t, srcMac: 'aa:aa:aa:aa:aa:01' }))))).toEqual([]);
    const a = run((d) => {
      d.raw(fact('arp.ip', '10.0.0.1', '10.0.0.1', '', { ts: 0, srcMac: 'aa:aa:aa:aa:aa:01' }));
      d.raw(fact('arp.ip', '10.0.0.1', '10.0.0.1', '', { ts: 5, srcMac: 'bb:bb:bb:bb:bb:02' }));
      d.raw(fact('arp.ip', '10.0.0.7', '10.0.0.7', '', { ts: 6, srcMac: 'bb:bb:bb:bb:bb:02' }));
    });
    expect(a.map((x) => x.evidence.shape).sort()).toEqual(['conflict', 'multiple-addresses']);
  });
  it('dhcp.rogue-server: a second server offering in the same subnet', () => {
    const offer = (d: Detector, server: string, ts: number) => {
      d.raw(fact('dhcp.msg_type', 2, server, '255.255.255.255', { ts }));
      d.raw(fact('dhcp.offered_ip', `aa:bb:cc:dd:ee:ff 10.42.0.${ts + 50}`, server, '255.255.255.255', { ts }));
      d.raw(fact('dhcp.server_id', server, server, '255.255.255.255', { ts }));
    };
    expect(run((d) => [1, 2].forEach((t) => offer(d, '10.42.0.1', t)))).toEqual([]);
    const a = run((d) => (offer(d, '10.42.0.1', 1), offer(d, '10.42.0.66', 2)));
    expect(a.map((x) => [x.rule, x.device.ip, x.evidence.otherServer])).toEqual([['dhcp.rogue-server', '10.42.0.66', '10.42.0.1']]);
  });
  it('dhcp.starvation: 100 client messages within a minute', () => {
    const a = run((d) => {
      for (let i = 0; i < 100; i++) d.raw(fact('dhcp.msg_type', 1, '0.0.0.0', '255.255.255.255', { ts: i * 0.1 }));
    });
    expect(a.map((x) => [x.rule, x.evidence.messages])).toEqual([['dhcp.starvation', 100]]);
  });
  it('bruteforce.login: 10 short SSH sessions, and 10 HTTP 401s', () => {
    expect(run((d) => [...Array(9)].forEach((_, i) => d.flow(flow('10.0.0.9', '10.0.1.1', 22, { firstTs: i })))) ).toEqual([]);
    const a = run((d) => {
      for (let i = 0; i < 10; i++) d.flow(flow('10.0.0.9', '10.0.1.1', 22, { firstTs: i }));
      for (let i = 0; i < 10; i++) d.raw(fact('http.status', 401, '10.0.1.2', '10.0.0.9', { ts: i, sport: 80, dport: 50000 }));
    });
    expect(a.map((x) => [x.rule, x.evidence.service]).sort()).toEqual([['bruteforce.login', 'http'], ['bruteforce.login', 'ssh']]);
  });
  it('bruteforce.login: 10 IMAP logins the server refused, not 9, and not 10 spread over two servers', () => {
    const refusals = (n: number, server: (i: number) => string) => (d: Detector) => {
      for (let i = 0; i < n; i++) d.raw(fact('imap.auth_failed', (i % 3) + 1, server(i), '10.0.0.9', { ts: i, sport: 143, dport: 50000 + i }));
    };
    expect(run(refusals(9, () => '10.0.1.3'))).toEqual([]);
    expect(run(refusals(10, (i) => `10.0.1.${3 + (i % 2)}`))).toEqual([]);
    const a = run(refusals(10, () => '10.0.1.3'));
    expect(a.map((x) => [x.rule, x.evidence.service, x.evidence.failures, x.device.ip])).toEqual([['bruteforce.login', 'imap', 10, '10.0.1.3']]);
  });
  it('cleartext.credentials: low, and raised to medium on a life-sustaining device but not beyond', () => {
    const a = run((d) => d.raw(fact('ftp.login_seen', true, '10.0.0.9', '10.0.1.1', { dport: 21 })));
    expect(a.map((x) => [x.rule, x.severity])).toEqual([['cleartext.credentials', 'low']]);
    const b = run((d) => d.raw(fact('ftp.login_seen', true, '10.0.0.9', '10.0.1.1', { dport: 21 })), medical(['10.0.1.1']));
    expect(b.map((x) => [x.severity, x.category])).toEqual([['medium', 'infusion-pump']]);
  });
  it('smb.v1-exploit: DoublePulsar probe and reply; SMBv1 only with a medical device', () => {
    const a = run((d) => {
      d.raw(fact('smb.trans2_subcommand', '0x000e', '10.0.0.9', '10.0.1.1', { dport: 445 }));
      d.raw(fact('smb.doublepulsar_reply', true, '10.0.1.1', '10.0.0.9', { sport: 445 }));
    });
    // Probe and reply concern the same victim and attacker: one alert, at the reply's severity.
    expect(a.map((x) => [x.severity, x.count])).toEqual([['critical', 2]]);
    const v1 = (d: Detector) => d.raw(fact('smb.v1', true, '10.0.1.1', '10.0.0.9', { sport: 445 }));
    expect(run(v1)).toEqual([]);
    expect(run(v1, medical(['10.0.1.1'])).map((x) => [x.rule, x.device.ip, x.severity])).toEqual([['smb.v1-exploit', '10.0.1.1', 'critical']]);
  });
  it('smb.ghost: a bad compression offset is critical, negotiation low', () => {
    const a = run((d) => {
      d.raw(fact('smb.compression', ['lznt1'], '10.0.1.1', '10.0.0.9', { sport: 445 }));
      d.raw(fact('smb.compression_bad_offset', true, '10.0.0.9', '10.0.1.1', { dport: 445, ts: 1001 }));
    });
    expect(a.map((x) => x.severity).sort()).toEqual(['critical']);
    expect(a[0].count).toBe(2);
  });
  it('tls.heartbleed: an over-read request; a response larger than the request', () => {
    const a = run((d) => {
      d.raw(fact('tls.heartbeat_overread', 16, '10.0.0.9', '10.0.1.1', { sport: 50000, dport: 443 }));
      d.raw(fact('tls.heartbeat_length', 19, '10.0.0.9', '10.0.1.1', { sport: 50000, dport: 443 }));
      d.raw(fact('tls.heartbeat_length', 16384, '10.0.1.1', '10.0.0.9', { sport: 443, dport: 50000 }));
    });
    expect(a.map((x) => x.severity)).toEqual(['critical']);
  });
  it('web.attack: one alert per attacker and server, with every attack class', () => {
    const a = run((d) => ['sqli', 'traversal'].forEach((k) => d.raw(fact('http.attack', k, '10.0.0.9', '10.0.1.1'))));
    expect(a.map((x) => [x.rule, x.count, x.evidence.attack])).toEqual([['web.attack', 2, ['sqli', 'traversal']]]);
  });
  it('remote-access.new: once per tool and pair, the listener as device', () => {
    const a = run((d) => [1, 2].forEach(() => d.raw(fact('remote-access.tool', 'vnc', '10.0.1.1', '10.0.0.9', { sport: 5900, dport: 50000 }))));
    expect(a.map((x) => [x.rule, x.device.ip, x.count])).toEqual([['remote-access.new', '10.0.1.1', 1]]);
  });
  it('medical.internet: only for a medical device', () => {
    const f = (d: Detector) => d.flow(flow('10.0.1.1', '8.8.4.4', 443));
    expect(run(f)).toEqual([]);
    expect(run(f, medical(['10.0.1.1'])).map((x) => [x.rule, x.device.ip, x.severity])).toEqual([['medical.internet', '10.0.1.1', 'critical']]);
  });
  it('phi.unapproved-destination: a receiver new after the learning window', () => {
    const a = run((d) => {
      d.raw(fact('hl7.phi_present', true, '10.0.0.5', '10.0.0.6', { ts: 0 }));
      d.raw(fact('hl7.phi_present', true, '10.0.0.5', '10.0.0.6', { ts: 1000 }));
      d.raw(fact('hl7.phi_present', true, '10.0.0.5', '10.0.0.99', { ts: 900 }));
      d.raw(fact('dicom.abstract_syntax', 'CT Image Storage', '10.0.0.5', '203.0.113.66', { ts: 950 }));
    });
    expect(a.map((x) => [x.dstIp, x.severity]).sort()).toEqual([['10.0.0.99', 'medium'], ['203.0.113.66', 'high']]);
  });
  it('dicom.bulk-query: 20 query associations', () => {
    const a = run((d) => {
      for (let i = 0; i < 20; i++) d.raw(fact('dicom.command', 'C-FIND-RQ', '10.0.0.9', '10.0.1.1', { ts: i, flow: i }));
    });
    expect(a.map((x) => [x.rule, x.evidence.associations])).toEqual([['dicom.bulk-query', 20]]);
  });
  it('beaconing: regular, not jittery, connections to one public address', () => {
    const times = (jitter: number) => [...Array(10)].map((_, i) => 60 * i + (i % 2 ? jitter : -jitter));
    expect(run((d) => times(25).forEach((t) => d.flow(flow('10.0.0.9', '198.51.100.66', 443, { firstTs: t }))))).toEqual([]);
    const a = run((d) => times(1).forEach((t) => d.flow(flow('10.0.0.9', '198.51.100.66', 443, { firstTs: t }))));
    expect(a.map((x) => [x.rule, x.evidence.connections])).toEqual([['beaconing', 10]]);
  });
  it('dns.tunnelling: 20 distinct long names under one domain', () => {
    const a = run((d) => {
      for (let i = 0; i < 20; i++) d.raw(fact('dns.query', `${'a'.repeat(40)}${i}.t.evil.example`, '10.0.0.9', '10.0.0.53', { ts: i }));
      for (let i = 0; i < 30; i++) d.raw(fact('dns.query', `host${i}.hospital.example`, '10.0.0.8', '10.0.0.53', { ts: i }));
    });
    expect(a.map((x) => [x.rule, x.evidence.domain])).toEqual([['dns.tunnelling', 'evil.example']]);
  });
  it('lateral.movement: SMB to a medical device, not between two workstations', () => {
    const f = (d: Detector) => d.flow(flow('10.0.0.9', '10.0.1.1', 445));
    expect(run(f)).toEqual([]);
    expect(run(f, medical(['10.0.1.1'], 'patient-monitor', 'monitoring')).map((x) => [x.rule, x.severity])).toEqual([['lateral.movement', 'high']]);
  });
  it('ioc.match: a listed IP and a subdomain of a listed domain', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-ioc-')), 'iocs.csv');
    writeFileSync(file, 'ip,198.51.100.66,c2\ndomain,evil.example\n');
    const d = new Detector({ iocFiles: [file] });
    d.flow(flow('10.0.0.9', '198.51.100.66', 443));
    d.raw(fact('tls.sni', 'cdn.evil.example', '10.0.0.8', '198.51.100.7'));
    d.raw(fact('tls.sni', 'notevil.example', '10.0.0.8', '198.51.100.7'));
    expect(d.finish().alerts.map((x) => x.evidence.indicator).sort()).toEqual(['198.51.100.66', 'evil.example']);
  });
});
