import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRiskModel } from '../../src/risk/risk-model.js';
import { scoreDevice, type RiskInputs } from '../../src/risk/risk-score.js';

const model = loadRiskModel();

const device = (over: Partial<RiskInputs> = {}): RiskInputs => ({
  deviceId: 1,
  category: 'infusion-pump',
  safetyImpact: 'life-sustaining',
  holdsPhi: true,
  movesPhi: true,
  os: null,
  facts: new Map(),
  vulnerabilities: { decision: null, count: 0, kev: 0 },
  exposure: new Map(),
  workflows: 1,
  hub: false,
  sameCategory: 20,
  ...over,
});

describe('risk score', () => {
  it('is 100 x likelihood x impact, with every factor and its weight listed', () => {
    const r = scoreDevice(device({ vulnerabilities: { decision: 'scheduled', count: 2, kev: 0 }, facts: new Map([['telnet.seen', ['true']]]) }), model);
    const v = model.likelihood.vulnerabilityDecision.scheduled;
    const t = model.likelihood.behaviours.find((b) => b.id === 'telnet')!.weight;
    expect(r.likelihood).toBeCloseTo(1 - (1 - v) * (1 - t), 3);
    expect(r.safety).toBeCloseTo(100 * r.likelihood * r.safetyImpact, 0);
    expect(r.score).toBe(Math.max(r.safety, r.privacy));
    expect(r.factors.map((f) => f.id)).toEqual(['vulnerabilities-scheduled', 'telnet', 'safety-class', 'criticality', 'privacy-class']);
    expect(r.factors.find((f) => f.id === 'telnet')).toMatchObject({ kind: 'likelihood', weight: t, detail: 'telnet.seen' });
  });

  it('is 0 when nothing gives an attacker a way in, whatever the impact', () => {
    const r = scoreDevice(device(), model);
    expect(r.likelihood).toBe(0);
    expect(r.score).toBe(0);
  });

  it('ranks the only MRI above an equally vulnerable ultrasound, one of twelve', () => {
    const vuln = { decision: 'out-of-cycle', count: 1, kev: 0 };
    const mri = scoreDevice(device({ category: 'imaging-mr', safetyImpact: 'diagnostic', vulnerabilities: vuln, sameCategory: 1, workflows: 2 }), model);
    const us = scoreDevice(device({ category: 'imaging-us', safetyImpact: 'diagnostic', vulnerabilities: vuln, sameCategory: 12, workflows: 2 }), model);
    expect(mri.likelihood).toBe(us.likelihood);
    expect(mri.safety).toBeGreaterThan(us.safety);
    expect(mri.factors.find((f) => f.id === 'criticality')!.detail).toMatch(/the only one of its category/);
    expect(us.factors.find((f) => f.id === 'criticality')!.detail).toMatch(/one of 12/);
  });

  it('ranks a KEV-vulnerable pump reachable from guest Wi-Fi above the same pump on an isolated VLAN', () => {
    const kev = { decision: 'immediate', count: 1, kev: 1 };
    const exposed = scoreDevice(device({ vulnerabilities: kev, exposure: new Map([['guest', 'GUEST-LAPTOP connects to tcp/443']]) }), model);
    const isolated = scoreDevice(device({ vulnerabilities: kev }), model);
    expect(exposed.safety).toBeGreaterThan(isolated.safety);
    expect(exposed.factors.find((f) => f.id === 'exposure-guest')!.detail).toBe('GUEST-LAPTOP connects to tcp/443');
  });

  it('ranks privacy by the patient data a device holds and was seen sending in clear', () => {
    const cleartext = new Map([['hl7.phi_present', ['true']]]);
    const engine = scoreDevice(device({ category: 'hl7-engine', safetyImpact: 'clinical-support', holdsPhi: true, hub: true, workflows: 4, facts: cleartext }), model);
    const phone = scoreDevice(device({ category: 'voip-phone', safetyImpact: 'non-clinical', holdsPhi: false, movesPhi: false, facts: new Map([['telnet.seen', ['true']]]) }), model);
    expect(engine.privacy).toBeGreaterThan(phone.privacy);
    expect(engine.factors.find((f) => f.id === 'privacy-class')!.detail).toMatch(/seen crossing the wire in clear; hub/);
  });

  it('counts an end-of-life operating system and a default SNMP community', () => {
    const r = scoreDevice(device({ os: 'Windows 7 SP1 (7601)', facts: new Map([['snmp.community_default', ['true']]]) }), model);
    expect(r.factors.map((f) => f.id)).toEqual(expect.arrayContaining(['end-of-life-os', 'snmp-default-community']));
    expect(scoreDevice(device({ os: 'Windows 10 22H2' }), model).likelihood).toBe(0);
  });

  it('refuses a model file with a bad weight, naming the file and the place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-risk-'));
    try {
      const bad = JSON.parse(JSON.stringify({ ...model, likelihood: { ...model.likelihood, behaviours: model.likelihood.behaviours.map(({ regex, ...b }) => b) } }));
      bad.likelihood.exposure.guest = 4;
      writeFileSync(join(dir, 'm.json'), JSON.stringify(bad));
      expect(() => loadRiskModel(join(dir, 'm.json'))).toThrow(/m\.json: likelihood\.exposure\.guest must be a number from 0 to 1/);
      bad.likelihood.exposure.guest = 0.4;
      bad.likelihood.behaviours[0].when = {};
      writeFileSync(join(dir, 'm.json'), JSON.stringify(bad));
      expect(() => loadRiskModel(join(dir, 'm.json'))).toThrow(/behaviours\[0\] \(cleartext-phi-hl7\): "when" needs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
