// The zone policy matcher: zone patterns (ids, globs, kinds, *), services (ports, ranges, transports, ICMP),
// precedence (first match, a site's rules before the bundled ones), default-deny for enforced zones, and
// errors that name the file and the rule.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadZonePolicy, PROTO_ICMP, PROTO_TCP, PROTO_UDP, zonePattern, zoneVerdict, type ZoneRef } from '../../src/detect/zone-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-zone-policy-'));
let n = 0;
function policyFile(text: string): string {
  const f = join(dir, `p${++n}.yaml`);
  writeFileSync(f, text);
  return f;
}

const icu: ZoneRef = { id: 'icu', kind: 'clinical' };
const icuEast: ZoneRef = { id: 'icu-east', kind: 'clinical' };
const guest: ZoneRef = { id: 'guest-wifi', kind: 'guest' };
const dc: ZoneRef = { id: 'it-datacentre', kind: 'it' };
const inferred: ZoneRef = { id: 'vlan-40', kind: null };
const other: ZoneRef = { id: 'vlan-41', kind: null };

/** allow, deny (with the rule's index or 'default'), or null (not judged). */
function decide(file: string, src: ZoneRef, dst: ZoneRef, proto: number, port: number): string | null {
  const v = zoneVerdict(loadZonePolicy([file]), src, dst, proto, port);
  if (!v) return null;
  return v.allowed ? `allow ${v.rule?.where.split(': ')[1]}` : `deny ${v.rule ? v.rule.where.split(': ')[1] : 'default'}`;
}

describe('zone patterns', () => {
  it('match ids, globs, kinds and everything', () => {
    expect(zonePattern('icu')(icu)).toBe(true);
    expect(zonePattern('icu')(icuEast)).toBe(false);
    expect(zonePattern('icu*')(icuEast)).toBe(true);
    expect(zonePattern('*-east')(icuEast)).toBe(true);
    expect(zonePattern('icu.east')(icuEast)).toBe(false);
    expect(zonePattern('kind:clinical')(icuEast)).toBe(true);
    expect(zonePattern('kind:clin*')(icu)).toBe(true);
    expect(zonePattern('kind:clinical')(guest)).toBe(false);
    expect(zonePattern('kind:*')(inferred)).toBe(false);
    expect(zonePattern('*')(inferred)).toBe(true);
  });
});

describe('zone verdicts', () => {
  const file = policyFile(`
enforce: [kind:clinical]
rules:
  - { from: kind:guest, to: kind:clinical, action: deny, severity: high }
  - { from: '*', to: kind:it, services: [udp/53, tcp/8000-8100, icmp], action: allow }
  - { from: kind:clinical, to: kind:it, services: ['tcp/*'], action: allow }
  - { from: kind:clinical, to: kind:clinical, services: [tcp/443], action: allow }
  - { from: vlan-40, to: vlan-41, services: [udp/*], action: deny }
`);

  it('matches single ports, ranges, any port of a transport and ICMP', () => {
    expect(decide(file, guest, dc, PROTO_UDP, 53)).toBe('allow rules[1]');
    expect(decide(file, guest, dc, PROTO_TCP, 53)).toBe(null);
    expect(decide(file, guest, dc, PROTO_TCP, 8000)).toBe('allow rules[1]');
    expect(decide(file, guest, dc, PROTO_TCP, 8100)).toBe('allow rules[1]');
    expect(decide(file, guest, dc, PROTO_TCP, 8101)).toBe(null);
    expect(decide(file, guest, dc, PROTO_ICMP, 0)).toBe('allow rules[1]');
    expect(decide(file, icu, dc, PROTO_TCP, 3389)).toBe('allow rules[2]');
    expect(decide(file, icu, dc, PROTO_UDP, 514)).toBe('deny default');
  });

  it('lets the first matching rule decide, and denies by default to and from enforced zones only', () => {
    // The deny comes first: guest to clinical is denied even on a service a later rule allows.
    expect(decide(file, guest, icu, PROTO_TCP, 443)).toBe('deny rules[0]');
    expect(decide(file, icuEast, icu, PROTO_TCP, 443)).toBe('allow rules[3]');
    expect(decide(file, icuEast, icu, PROTO_TCP, 445)).toBe('deny default');
    expect(decide(file, icu, guest, PROTO_TCP, 80)).toBe('deny default');
    // Neither zone enforced and no rule: not judged. An explicit rule judges inferred zones too.
    expect(decide(file, guest, inferred, PROTO_TCP, 80)).toBe(null);
    expect(decide(file, inferred, other, PROTO_UDP, 161)).toBe('deny rules[4]');
    expect(decide(file, inferred, other, PROTO_TCP, 161)).toBe(null);
  });

  it('never judges a conversation inside one zone', () => {
    expect(decide(file, icu, icu, PROTO_TCP, 445)).toBe(null);
  });

  it('puts a site file first and the bundled rules after it with extends: default', () => {
    const site = policyFile(`
extends: default
rules:
  - { from: kind:guest, to: kind:clinical, services: [tcp/80], action: allow, why: the ICU's public web page }
`);
    const p = loadZonePolicy([site]);
    expect(zoneVerdict(p, guest, icu, PROTO_TCP, 80)?.allowed).toBe(true);
    const v = zoneVerdict(p, guest, icu, PROTO_TCP, 443)!;
    expect(v.allowed).toBe(false);
    expect(v.rule?.where).toMatch(/^zone-policy\.yaml: rules\[\d+\]$/);
    expect(v.rule?.severity).toBe('high');
    // Without extends, the site's file replaces the bundled policy: nothing else is judged.
    const alone = loadZonePolicy([policyFile('rules:\n  - { from: a, to: b, action: deny }\n')]);
    expect(zoneVerdict(alone, guest, icu, PROTO_TCP, 443)).toBe(null);
    expect(zoneVerdict(alone, { id: 'a', kind: null }, { id: 'b', kind: null }, PROTO_TCP, 1)?.allowed).toBe(false);
  });

  it('bundles a policy that denies guests everything inside but DNS and DHCP', () => {
    const p = loadZonePolicy();
    expect(zoneVerdict(p, guest, dc, PROTO_UDP, 53)?.allowed).toBe(true);
    expect(zoneVerdict(p, guest, dc, PROTO_TCP, 445)?.allowed).toBe(false);
    expect(zoneVerdict(p, guest, icu, PROTO_TCP, 80)?.rule?.severity).toBe('high');
    expect(zoneVerdict(p, icu, dc, PROTO_TCP, 2575)?.allowed).toBe(true);
    expect(zoneVerdict(p, dc, { id: 'administration', kind: 'it' }, PROTO_TCP, 2575)?.allowed).toBe(false);
    expect(zoneVerdict(p, inferred, other, PROTO_TCP, 445)).toBe(null);
  });
});

describe('bad policy files', () => {
  it('are named with the file and the rule', () => {
    expect(() => loadZonePolicy([policyFile('rules:\n  - { from: a, to: b, services: [tcp/99999], action: allow }\n')])).toThrow(/p\d+\.yaml: rules\[0\]: bad port range/);
    expect(() => loadZonePolicy([policyFile('rules:\n  - { from: a, to: b, services: [smtp], action: allow }\n')])).toThrow(/rules\[0\]: bad service "smtp"/);
    expect(() => loadZonePolicy([policyFile('rules:\n  - { from: a, to: b, action: block }\n')])).toThrow(/rules\[0\]: "action" must be allow or deny/);
    expect(() => loadZonePolicy([policyFile('rules:\n  - { to: b, action: deny }\n')])).toThrow(/rules\[0\]: "from" must be a zone pattern/);
    expect(() => loadZonePolicy([policyFile('rules:\n  - { from: a, to: b, action: deny, severity: urgent }\n')])).toThrow(/"severity" must be one of/);
    expect(() => loadZonePolicy([policyFile('enforce: icu\n')])).toThrow(/"enforce" must be a list/);
    expect(() => loadZonePolicy([policyFile('extends: mine\n')])).toThrow(/"extends" can only be "default"/);
    expect(() => loadZonePolicy([policyFile('rules: [\n')])).toThrow(/zone policy .*p\d+\.yaml/);
    expect(() => loadZonePolicy([join(dir, 'missing.yaml')])).toThrow(/zone policy .*missing\.yaml/);
  });
});
