import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import { resolveIdentities } from '../../src/inventory/identity-resolver.js';
import { hostKey, InventoryCollector } from '../../src/inventory/inventory-collector.js';
import type { Endpoint, ObservationValue } from '../../src/protocols/observation.js';

const ep = (mac: string | null, ip: string, port = 0): Endpoint => ({ mac, ip, port });
let flowId = 0;
function flow(orig: Endpoint, resp: Endpoint, ts: number, proto: 'tcp' | 'udp' = 'tcp', vlan = 0): FlowRecord {
  return {
    id: ++flowId,
    proto,
    ipVersion: 4,
    vlan,
    originator: orig,
    responder: resp,
    firstTs: ts,
    lastTs: ts + 1,
    durationS: 1,
    origPackets: 3,
    origBytes: 300,
    origPayloadBytes: 100,
    respPackets: 3,
    respBytes: 300,
    respPayloadBytes: 100,
    service: null,
    endReason: 'closed',
    tcp: proto === 'tcp' ? { state: 'closed', history: 'ShADadFf', origFlags: 0, respFlags: 0 } : undefined,
  };
}
const fact = (c: InventoryCollector, src: Endpoint, key: string, value: ObservationValue, ts = 1) => c.observation({ ts, key, value, src, dst: ep(null, '', 0) });

const GW = '00:00:0c:07:ac:14';

describe('identity resolution', () => {
  it('a MAC fronting several subnets is a router; the hosts behind it are keyed by IP, or joined to their own MAC seen elsewhere', () => {
    const c = new InventoryCollector();
    const pacs = ep('00:50:56:00:00:01', '10.30.0.20', 104);
    c.flow(flow(ep(GW, '10.50.0.11', 40000), pacs, 10));
    c.flow(flow(ep(GW, '10.50.0.12', 40001), pacs, 11));
    c.flow(flow(ep(GW, '10.20.0.5', 40002), pacs, 12));
    c.flow(flow(ep(GW, '8.8.4.4', 53), ep('00:50:56:00:00:01', '10.30.0.20', 5353), 13, 'udp'));
    // 10.50.0.12 was also seen on its own segment with its own MAC.
    c.flow(flow(ep('00:80:a3:11:22:33', '10.50.0.12', 40003), ep(GW, '10.30.0.20', 104), 14));
    fact(c, ep(GW, '10.30.0.1'), 'arp.ip', '10.30.0.1');
    const r = resolveIdentities(c);
    expect([...r.routerMacs]).toEqual([GW]);
    const byIdentity = new Map(r.drafts.map((d) => [`${d.identityKind}:${d.identity}`, d]));
    expect(byIdentity.get(`mac:${GW}`)?.router).toBe(true);
    expect(byIdentity.get(`mac:${GW}`)?.identifiers.filter((i) => i.kind === 'ip').map((i) => i.value)).toEqual(['10.30.0.1']);
    expect(byIdentity.has('ip:10.50.0.11')).toBe(true);
    expect(byIdentity.has('ip:10.20.0.5')).toBe(true);
    expect(byIdentity.has('ip:10.50.0.12')).toBe(false);
    expect(r.deviceOf.get(hostKey(GW, '10.50.0.12'))?.identity).toBe('00:80:a3:11:22:33');
    // The internet is a peer, not a device of the site.
    expect(r.deviceOf.has(hostKey(GW, '8.8.4.4'))).toBe(false);
    expect(byIdentity.get('mac:00:50:56:00:00:01')?.ip).toBe('10.30.0.20');
  });

  it("a router's link-local address is its own, not a host behind it: fe80::1 recurs on every VLAN", () => {
    const c = new InventoryCollector();
    const pacs = ep('00:50:56:00:00:01', '10.30.0.20', 104);
    const gw2 = '00:00:0c:07:ac:15';
    for (const [gw, i] of [[GW, 0], [gw2, 1]] as const) {
      c.flow(flow(ep(gw, `10.5${i}.0.11`, 40000), pacs, 10));
      c.flow(flow(ep(gw, `10.2${i}.0.5`, 40002), pacs, 12));
      // Router advertisements and MLD from the gateway's own link-local address, on each VLAN.
      c.flow(flow(ep(gw, 'fe80::1', 0), ep('33:33:00:00:00:01', 'ff02::1', 0), 13, 'udp', 20 + i));
    }
    const r = resolveIdentities(c);
    const byIdentity = new Map(r.drafts.map((d) => [`${d.identityKind}:${d.identity}`, d]));
    expect(byIdentity.has('ip:fe80::1')).toBe(false);
    for (const gw of [GW, gw2]) expect(byIdentity.get(`mac:${gw}`)?.identifiers.filter((i) => i.kind === 'ip').map((i) => i.value)).toEqual(['fe80::1']);
    expect(byIdentity.has('ip:10.50.0.11')).toBe(true);
  });

  it('keeps every address a MAC held (DHCP renumbering) as history, the latest as its IP', () => {
    const c = new InventoryCollector();
    const srv = ep('00:50:56:00:00:02', '10.30.0.2', 443);
    c.flow(flow(ep('00:09:5c:aa:bb:cc', '10.40.0.50', 50000), srv, 100));
    c.flow(flow(ep('00:09:5c:aa:bb:cc', '10.40.0.77', 50001), srv, 900));
    const d = resolveIdentities(c).drafts.find((x) => x.identity === '00:09:5c:aa:bb:cc')!;
    expect(d.identifiers.filter((i) => i.kind === 'ip').map((i) => i.value).sort()).toEqual(['10.40.0.50', '10.40.0.77']);
    expect(d.ip).toBe('10.40.0.77');
    expect(d.router).toBe(false);
  });

  it('a randomised MAC is keyed by its DHCP client id, else its hostname', () => {
    const c = new InventoryCollector();
    const phone = ep('7a:11:22:33:44:55', '10.90.0.8');
    fact(c, ep('7a:11:22:33:44:55', '0.0.0.0', 68), 'dhcp.client_mac', '7a:11:22:33:44:55');
    fact(c, ep('7a:11:22:33:44:55', '0.0.0.0', 68), 'dhcp.client_id', 'ff00112233000100012a');
    fact(c, ep('7a:11:22:33:44:55', '0.0.0.0', 68), 'dhcp.hostname', 'Ward-Tablet-3');
    c.flow(flow(phone, ep('00:50:56:00:00:02', '10.30.0.2', 443), 5));
    const tablet2 = ep('7e:00:00:00:00:09', '10.90.0.9');
    fact(c, tablet2, 'dhcp.hostname', 'Nurse-iPad');
    const r = resolveIdentities(c);
    const a = r.drafts.find((d) => d.mac === '7a:11:22:33:44:55')!;
    expect(a).toMatchObject({ identityKind: 'client-id', identity: 'ff00112233000100012a', randomisedMac: true });
    expect(a.identifiers).toContainEqual(expect.objectContaining({ kind: 'hostname', value: 'ward-tablet-3' }));
    expect(r.drafts.find((d) => d.mac === '7e:00:00:00:00:09')).toMatchObject({ identityKind: 'hostname', identity: 'nurse-ipad' });
  });

  it('DHCP facts forwarded by a relay agent are the client\'s, not the relay\'s', () => {
    const c = new InventoryCollector();
    const relay = ep(GW, '10.40.0.1', 67);
    fact(c, relay, 'dhcp.client_mac', '00:09:5c:01:02:03');
    fact(c, relay, 'dhcp.hostname', 'MX450-ICU-12');
    fact(c, relay, 'dhcp.vendor_class', 'PhilipsIntelliVue');
    const r = resolveIdentities(c);
    const mon = r.drafts.find((d) => d.mac === '00:09:5c:01:02:03');
    expect(mon?.identifiers).toContainEqual(expect.objectContaining({ kind: 'hostname', value: 'mx450-icu-12' }));
    expect(c.facts.get(hostKey('00:09:5c:01:02:03', ''))?.size).toBe(3);
    expect(c.facts.get(hostKey(GW, '10.40.0.1'))).toBeUndefined();
  });

  it('one routed IP naming itself with several hostnames is a shared address (NAT)', () => {
    const c = new InventoryCollector();
    const srv = ep('00:50:56:00:00:02', '10.30.0.2', 445);
    for (let i = 0; i < 3; i++) c.flow(flow(ep(GW, `10.${60 + i}.0.9`, 50000), srv, 1));
    const nat = ep(GW, '10.61.0.9', 137);
    fact(c, nat, 'nbns.name', 'GUEST-LAPTOP<00>');
    fact(c, nat, 'nbns.name', 'VISITOR-PC<00>');
    const r = resolveIdentities(c);
    expect(r.drafts.find((d) => d.identity === '10.61.0.9')?.sharedAddress).toBe(true);
    expect(r.drafts.find((d) => d.identity === '10.60.0.9')?.sharedAddress).toBe(false);
  });

  it('an unanswered connection attempt proves no service', () => {
    const c = new InventoryCollector();
    const f = flow(ep('00:00:00:00:00:01', '10.0.0.1', 40000), ep('00:00:00:00:00:02', '10.0.0.2', 23), 1);
    c.flow({ ...f, respPackets: 0, respBytes: 0, respPayloadBytes: 0, tcp: { state: 'syn_sent', history: 'S', origFlags: 2, respFlags: 0 } });
    c.finish();
    expect(c.services.size).toBe(0);
    expect(c.connections.size).toBe(0);
    c.flow({ ...f, originator: { ...f.originator, port: 40001 } });
    c.finish();
    expect([...c.services.get(hostKey('00:00:00:00:00:02', '10.0.0.2'))!.values()]).toEqual([expect.objectContaining({ transport: 'tcp', port: 23, direction: 'listen', flows: 1 })]);
  });
});

describe('hosts that never answer', () => {
  it('an address only ever probed (a ping sweep of empty space) is not a device', () => {
    const c = new InventoryCollector();
    const f = flow(ep('00:00:00:00:00:01', '10.50.0.5', 0), ep(GW, '10.50.0.99', 0), 1);
    c.flow({ ...f, proto: 'icmp', respPackets: 0, respBytes: 0, respPayloadBytes: 0, tcp: undefined });
    const r = resolveIdentities(c);
    expect(r.drafts.map((d) => d.identity)).toEqual(['00:00:00:00:00:01']);
  });
});

describe('a conversation mirrored on two VLANs', () => {
  it('joins the two one-way flow records (request on the client\'s VLAN, reply on the server\'s) into one answered conversation', () => {
    const c = new InventoryCollector();
    const ct = ep('00:1d:4a:fc:38:22', '10.50.0.13', 49610);
    const pacs = ep('c8:f7:50:59:45:f6', '10.30.0.20', 104);
    const out = flow(ct, ep(GW, '10.30.0.20', 104), 10, 'tcp', 50);
    const back = flow(ep('00:00:0c:07:ac:1e', '10.50.0.13', 49610), pacs, 10, 'tcp', 30);
    c.flow({ ...out, id: 1, respPackets: 0, respBytes: 0, respPayloadBytes: 0, service: 'dicom', tcp: { state: 'closing', history: 'SADF', origFlags: 0, respFlags: 0 } });
    c.flow({ ...back, id: 2, origPackets: 0, origBytes: 0, origPayloadBytes: 0, service: 'dicom', tcp: { state: 'closing', history: 'hdaf', origFlags: 0, respFlags: 0 } });
    c.rawObservation({ ts: 10, key: 'dicom.command', value: 'C-STORE-RQ', src: ct, dst: pacs, flow: 1 });
    c.rawObservation({ ts: 10, key: 'dicom.command', value: 'C-STORE-RSP', src: pacs, dst: ct, flow: 2 });
    c.finish();
    expect([...c.connections.values()]).toEqual([expect.objectContaining({ client: hostKey(ct.mac, ct.ip), server: hostKey(pacs.mac, pacs.ip), port: 104, flows: 1, bytes: 600 })]);
    const facts = [...c.connectionFacts().values()].flat();
    expect(facts.map((f) => [f.key, f.valueText, f.fromClient])).toEqual([
      ['dicom.command', '"C-STORE-RQ"', true],
      ['dicom.command', '"C-STORE-RSP"', false],
    ]);
  });
});
