// Alert outputs against local listeners: syslog (RFC 5424) over UDP, CEF over TCP (octet counting), webhook.
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/detect/alert.js';
import { cefLine, sendAlerts, syslogLine } from '../../src/detect/alert-outputs.js';

const a: Alert = {
  uid: 'abc123', rule: 'web.attack', severity: 'high', baseSeverity: 'high', status: 'new', title: 'SQL injection | against 10.0.0.1', description: 'x=y',
  device: { ip: '10.0.0.1', mac: null }, deviceId: null, category: null, safetyImpact: null, srcIp: '10.0.0.9', dstIp: '10.0.0.1', firstTs: 1700000000, lastTs: 1700000001,
  count: 2, incident: null, evidence: {}, flows: [], severityReasons: [],
};

describe('alert outputs', () => {
  it('formats RFC 5424 syslog and CEF with escaping', () => {
    expect(syslogLine(a, 'sensor1')).toBe('<107>1 2023-11-14T22:13:21.000Z sensor1 vigil - web.attack [vigil@32473 uid="abc123" rule="web.attack" severity="high" src="10.0.0.9" dst="10.0.0.1" count="2"] SQL injection | against 10.0.0.1');
    expect(cefLine(a, 'sensor1')).toContain('CEF:0|Vigil|Vigil|0.1.0|web.attack|SQL injection \\| against 10.0.0.1|8|rt=1700000001000 src=10.0.0.9 dst=10.0.0.1 cnt=2 externalId=abc123 msg=x\\=y');
  });

  it('sends syslog over UDP, CEF over TCP and the webhook', async () => {
    const udp = createSocket('udp4');
    const udpGot = new Promise<string>((ok) => udp.on('message', (m) => ok(m.toString())));
    await new Promise<void>((ok) => udp.bind(0, '127.0.0.1', ok));
    let tcpData = '';
    let tcpServer: ReturnType<typeof createServer> | undefined;
    const tcpDone = new Promise<void>((ok) => {
      const srv = createServer((s) => s.on('data', (d) => (tcpData += d)).on('end', () => (srv.close(), ok())));
      srv.listen(0, '127.0.0.1');
      tcpServer = srv;
    });
    await new Promise((ok) => setTimeout(ok, 50));
    let body = '';
    const http = createHttpServer((req, res) => req.on('data', (d) => (body += d)).on('end', () => res.end('ok')));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const warnings: string[] = [];
    await sendAlerts([a], {
      syslog: `udp://127.0.0.1:${(udp.address() as AddressInfo).port}`,
      cef: `tcp://127.0.0.1:${(tcpServer!.address() as AddressInfo).port}`,
      webhook: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`,
    }, (m) => warnings.push(m));
    expect(await udpGot).toMatch(/^<107>1 .* vigil - web\.attack \[vigil@32473 uid="abc123"/);
    await tcpDone;
    const m = /^(\d+) (.*)$/s.exec(tcpData)!;
    expect(Number(m[1])).toBe(Buffer.byteLength(m[2]));
    expect(m[2]).toContain('CEF:0|Vigil|Vigil|');
    expect(JSON.parse(body).alerts[0].uid).toBe('abc123');
    expect(warnings).toEqual([]);
    udp.close();
    http.close();
  });

  it('reports an unreachable output without stopping the others', async () => {
    const warnings: string[] = [];
    await sendAlerts([a], { cef: 'tcp://127.0.0.1:1', syslog: 'nonsense' }, (m) => warnings.push(m));
    expect(warnings.length).toBe(2);
    expect(warnings.join('\n')).toMatch(/bad alert output "nonsense"/);
  });
});
