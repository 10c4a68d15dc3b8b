/**
 * Hand-checked SSVC decisions for simulator-like devices matched against real ICS Medical Advisories
 * (../shared) and the bundled KEV. Each expected value below was derived by hand from the advisory, the
 * KEV entry, knowledge/taxonomy.json and the SSVC tables in knowledge/vuln/ssvc-deployer.json; the
 * comment above each case gives the derivation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { assessVulnerabilities, readDeviceVulnerabilities, type DeviceVulnerability } from '../../src/vuln/assess.js';
import { importKnowledgeBase } from '../../src/vuln/kb-import.js';
import { SsvcPolicy } from '../../src/vuln/ssvc.js';
import { deviceVex } from '../../src/vuln/vex.js';
import { sqliteTarget } from '../store/store-targets.js';
import { BUNDLED, csaf, HAVE_CSAF } from './shared-feeds.js';
import { buildSite, type Site } from './site.js';

const FEEDS = () => [`${BUNDLED}/kev`, csaf('icsma-18-058-02.json'), csaf('icsma-20-049-01.json'), csaf('icsma-20-023-01.json'), csaf('icsma-20-170-04.json')];

describe.skipIf(!HAVE_CSAF)(`SSVC decisions on hand-checked cases ${HAVE_CSAF ? '' : '(skipped: ../shared/knowledge/vuln absent)'}`, () => {
  const target = sqliteTarget();
  const sites: Record<string, { findings: DeviceVulnerability[]; ids: Map<string, number> }> = {};
  const find = (site: string, device: string, cve: string) => {
    const s = sites[site];
    const f = s.findings.find((x) => x.deviceId === s.ids.get(device) && x.cve === cve);
    if (!f) throw new Error(`no finding ${cve} on ${device} in ${site}`);
    return f;
  };

  beforeAll(async () => {
    const variants: Record<string, Site> = {
      // Guest Wi-Fi reaches the telemetry receiver over RDP; two central stations.
      hospital: { guestReachesXtr: true, centralStations: ['xtr', 'cic'] },
      // The same without the guest conversation.
      segmented: { guestReachesXtr: false, centralStations: ['xtr', 'cic'] },
      // The GE CIC is the only central station.
      clinic: { guestReachesXtr: false, centralStations: ['cic'] },
    };
    for (const [name, site] of Object.entries(variants)) {
      const store = await InventoryStore.open(await target.create());
      try {
        const ids = await buildSite(store, site);
        const imported = await importKnowledgeBase(store, FEEDS());
        expect(imported.errors).toBe(0);
        await assessVulnerabilities(store);
        sites[name] = { findings: await readDeviceVulnerabilities(store), ids };
      } finally {
        await store.close();
      }
    }
  });
  afterAll(() => target.cleanup());

  const points = (f: DeviceVulnerability) => Object.fromEntries(Object.entries(f.decisionPoints).map(([k, v]) => [k, v.value]));

  it('KEV vs not, same device and path: EternalBlue is scheduled, a non-KEV SMBv1 flaw deferred', () => {
    // CVE-2017-0144: KEV (active); SMB in use, reached from the IT workstation (controlled); CVSS AC:H (not
    // automatable); pacs = clinical-support -> minor; 3 pacs, no workflow -> mission none; minor|none -> low.
    // Deployer row active/controlled/no/low -> scheduled.
    const kev = find('hospital', 'isp-a', 'CVE-2017-0144');
    expect(points(kev)).toEqual({ exploitation: 'active', exposure: 'controlled', automatable: 'no', situatedSafety: 'minor', missionImpact: 'none', humanImpact: 'low' });
    expect(kev.decision).toBe('scheduled');
    expect(kev.confidence).toBe('range');
    expect(kev.exploitability.service).toMatchObject({ rules: ['smb'], status: 'in-use', inUse: ['tcp/445 smb'] });
    expect(kev.exploitability.reach.paths).toEqual([{ from: 'it', hops: [{ from: { id: sites.hospital.ids.get('ws-it'), label: 'ws-it', zone: 'it' }, to: { id: sites.hospital.ids.get('isp-a'), label: 'isp-a', zone: 'rad' }, services: ['tcp/445 smb'] }] }]);
    // CVE-2017-0272: the same SMBv1 server, not in KEV: none/controlled/no/low -> defer.
    const notKev = find('hospital', 'isp-a', 'CVE-2017-0272');
    expect(points(notKev)).toMatchObject({ exploitation: 'none', exposure: 'controlled', automatable: 'no', humanImpact: 'low' });
    expect(notKev.decision).toBe('defer');
  });

  it('service not in use: the IntelliSpace Portal without SMB is not affected (code not reachable)', () => {
    // isp-c listens on 443 only: SMB not in use -> exposure small; VEX not_affected / code_not_reachable.
    const f = find('hospital', 'isp-c', 'CVE-2017-0144');
    expect(f.exploitability.service.status).toBe('not-in-use');
    expect(f.decisionPoints.exposure.value).toBe('small');
    expect(f.vexState).toBe('not_affected');
    // isp-b listens on SMB but nobody was seen using it: small, still exploitable.
    const b = find('hospital', 'isp-b', 'CVE-2017-0144');
    expect(b.decisionPoints.exposure).toMatchObject({ value: 'small', reason: 'no device was seen reaching the service' });
    expect(b.vexState).toBe('exploitable');
    const vex = deviceVex(f.device, sites.hospital.findings.filter((x) => x.deviceId === f.deviceId)) as { vulnerabilities: { id: string; analysis: { state: string; justification?: string } }[] };
    expect(vex.vulnerabilities.find((v) => v.id === 'CVE-2017-0144')!.analysis).toMatchObject({ state: 'not_affected', justification: 'code_not_reachable' });
  });

  it('reachable from guest Wi-Fi vs not: BlueKeep on the Spacelabs XTR is immediate, out-of-cycle when segmented', () => {
    // CVE-2019-0708: KEV; RDP in use; guest laptop -> XTR over RDP (open); AV:N/AC:L/PR:N/UI:N (automatable);
    // central-station = monitoring -> major; hub of patient monitoring, 2 central stations -> MEF failure;
    // major|MEF failure -> high. active/open/yes/high -> immediate.
    const open = find('hospital', 'xtr', 'CVE-2019-0708');
    expect(open.confidence).toBe('exact');
    expect(points(open)).toEqual({ exploitation: 'active', exposure: 'open', automatable: 'yes', situatedSafety: 'major', missionImpact: 'MEF failure', humanImpact: 'high' });
    expect(open.decision).toBe('immediate');
    expect(open.exploitability.reach.paths.map((p) => [p.from, p.hops.map((h) => `${h.from.label}>${h.to.label} ${h.services.join(',')}`)])).toEqual([
      ['guest', ['guest-laptop>xtr tcp/3389 rdp']],
      ['it', ['ws-it>isp-a tcp/445 smb', 'isp-a>xtr tcp/3389 rdp']],
    ]);
    // Without the guest conversation only the 2-hop path from IT remains: controlled. active/controlled/yes/high -> out-of-cycle.
    const segmented = find('segmented', 'xtr', 'CVE-2019-0708');
    expect(segmented.decisionPoints.exposure.value).toBe('controlled');
    expect(segmented.decision).toBe('out-of-cycle');
  });

  it('the only central station vs one of two: the GE CIC web flaw is out-of-cycle alone, scheduled with a stand-in', () => {
    // CVE-2020-6962 (web configuration utility, not KEV): web service (tcp/443) in use; guest laptop reaches it
    // (open); AV:N/AC:L/PR:N/UI:N (automatable); major. Two central stations: MEF failure -> high ->
    // none/open/yes/high -> scheduled. Alone: mission failure -> very high -> none/open/yes/very high -> out-of-cycle.
    const withPeer = find('hospital', 'cic', 'CVE-2020-6962');
    expect(withPeer.confidence).toBe('range');
    expect(points(withPeer)).toEqual({ exploitation: 'none', exposure: 'open', automatable: 'yes', situatedSafety: 'major', missionImpact: 'MEF failure', humanImpact: 'high' });
    expect(withPeer.decision).toBe('scheduled');
    const alone = find('clinic', 'cic', 'CVE-2020-6962');
    expect(points(alone)).toMatchObject({ missionImpact: 'mission failure', humanImpact: 'very high' });
    expect(alone.decision).toBe('out-of-cycle');
  });

  it('infusion pumps: the telnet CLI flaw by reachability, physical flaws small, an unknown model only in triage', () => {
    // CVE-2020-12041 (telnet CLI, not KEV, automatable by CVSS); pump = life-sustaining -> catastrophic -> very high.
    // pump-1 listens on telnet and the IT workstation uses it: none/controlled/yes/very high -> scheduled.
    const p1 = find('hospital', 'pump-1', 'CVE-2020-12041');
    expect(points(p1)).toEqual({ exploitation: 'none', exposure: 'controlled', automatable: 'yes', situatedSafety: 'catastrophic', missionImpact: 'none', humanImpact: 'very high' });
    expect(p1.decision).toBe('scheduled');
    expect(p1.confidence).toBe('range');
    // pump-2 listens on nothing: small; none/small/yes/very high -> scheduled; VEX in triage.
    const p2 = find('hospital', 'pump-2', 'CVE-2020-12041');
    expect(p2.decisionPoints.exposure.value).toBe('small');
    expect(p2.vexState).toBe('in_triage');
    // CVE-2020-12039 is AV:P: small, not automatable: none/small/no/very high -> scheduled.
    const phys = find('hospital', 'pump-1', 'CVE-2020-12039');
    expect(points(phys)).toMatchObject({ exposure: 'small', automatable: 'no' });
    expect(phys.decision).toBe('scheduled');
    // pump-4 is pump-2's twin (same model, firmware, zone, nothing connecting to it): the same findings, its own id.
    const twin = (name: string) => sites.hospital.findings.filter((f) => f.deviceId === sites.hospital.ids.get(name)).map((f) => [f.cve, f.decision, points(f), f.vexState]);
    expect(twin('pump-4')).toEqual(twin('pump-2'));
    expect(twin('pump-4').length).toBe(6);
    // pump-3: Baxter, model unknown: matched by vendor and category only.
    expect(find('hospital', 'pump-3', 'CVE-2020-12041')).toMatchObject({ confidence: 'vendor-category', vexState: 'in_triage' });
  });

  it('matches no product of another model or a version outside the affected range', () => {
    const s = sites.hospital;
    // IntelliSpace Portal 8.0 is not the 7.0.x product; Sigma Spectrum 8.00.01 is not "Sigma Spectrum v6.x".
    const isp = s.findings.filter((f) => f.deviceId === s.ids.get('isp-a'));
    expect(isp.every((f) => f.evidence.every((e) => !e.product.includes('7.0')))).toBe(true);
    const pump = s.findings.filter((f) => f.deviceId === s.ids.get('pump-1'));
    expect(pump.every((f) => f.evidence.every((e) => e.versions !== 'v6.x model 35700BAX'))).toBe(true);
    // The guest laptop, the workstation and the Mindray monitor match nothing in these feeds.
    for (const d of ['guest-laptop', 'ws-it', 'mon-1']) expect(s.findings.filter((f) => f.deviceId === s.ids.get(d))).toEqual([]);
  });
});

describe('SSVC policy', () => {
  const policy = SsvcPolicy.load();
  it('caps the safety impact of a disclosure-only flaw', () => {
    expect(policy.situated('life-sustaining', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N').value).toBe('minor');
    expect(policy.situated('life-sustaining', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N').value).toBe('catastrophic');
  });
  it('decides from the deployer table', () => {
    const p = <T extends string>(value: T) => ({ value, reason: '' });
    const d = (e: 'none' | 'poc' | 'active', x: 'small' | 'controlled' | 'open', a: 'yes' | 'no', h: 'low' | 'medium' | 'high' | 'very high') =>
      policy.decide({ exploitation: p(e), exposure: p(x), automatable: p(a), humanImpact: p(h), situatedSafety: p('none'), missionImpact: p('none') });
    expect(d('none', 'small', 'no', 'low')).toBe('defer');
    expect(d('active', 'open', 'yes', 'very high')).toBe('immediate');
    expect(d('poc', 'open', 'yes', 'high')).toBe('out-of-cycle');
    expect(d('active', 'small', 'no', 'medium')).toBe('scheduled');
  });
});
