/**
 * CycloneDX 1.5 VEX (https://cyclonedx.org/capabilities/vex/) for one device: the device is the BOM's
 * component, each assessed CVE a vulnerability whose analysis says exploitable, in_triage, or
 * not_affected with a justification (code_not_reachable when the service it needs is not in use).
 *
 *   deviceVex(device, findings, now?) -> CycloneDX JSON object
 */
import { createHash } from 'node:crypto';
import type { DeviceVulnerability } from './assess.js';

const ratingMethod = (vector: string | null) => (vector?.startsWith('CVSS:4.0') ? 'CVSSv4' : vector?.startsWith('CVSS:3.0') ? 'CVSSv3' : 'CVSSv31');

/** A stable serial number per device and assessment time (RFC 4122 form from a hash, not random). */
function serial(deviceId: number, at: number): string {
  const h = createHash('sha256').update(`vigil-vex:${deviceId}:${at}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function responses(f: DeviceVulnerability): string[] {
  const r: string[] = [];
  if (f.remediations.some((x) => x.category === 'vendor_fix')) r.push('update');
  if (f.remediations.some((x) => x.category === 'workaround' || x.category === 'mitigation')) r.push('workaround_available');
  return r.length ? r : ['can_not_fix'];
}

export function deviceVex(device: DeviceVulnerability['device'], findings: readonly DeviceVulnerability[], now = new Date()): Record<string, unknown> {
  const ref = `device-${device.id}`;
  const at = findings.reduce((m, f) => Math.max(m, f.assessedAt), 0);
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: serial(device.id, at),
    version: 1,
    metadata: {
      timestamp: now.toISOString(),
      tools: { components: [{ type: 'application', name: 'vigil' }] },
      component: {
        type: 'device',
        'bom-ref': ref,
        name: device.model ?? device.category ?? device.label,
        ...(device.vendor ? { manufacturer: { name: device.vendor } } : {}),
        ...(device.firmware ? { version: device.firmware } : {}),
        properties: [
          { name: 'vigil:device-id', value: String(device.id) },
          { name: 'vigil:label', value: device.label },
          ...(device.category ? [{ name: 'vigil:category', value: device.category }] : []),
          ...(device.zone ? [{ name: 'vigil:zone', value: device.zone }] : []),
        ],
      },
    },
    vulnerabilities: findings.map((f) => ({
      id: f.cve,
      source: { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${f.cve}` },
      ...(f.cvss.score !== null ? { ratings: [{ score: f.cvss.score, method: ratingMethod(f.cvss.vector), ...(f.cvss.vector ? { vector: f.cvss.vector } : {}) }] } : {}),
      ...(f.cwe ? { cwes: [Number(f.cwe.replace(/^CWE-/, ''))].filter(Number.isFinite) } : {}),
      ...(f.title ? { description: f.title } : {}),
      ...(f.advisories.length ? { advisories: f.advisories.map((a) => ({ title: a, url: `https://www.cisa.gov/news-events/ics-medical-advisories/${a.toLowerCase()}` })) } : {}),
      analysis: {
        state: f.vexState,
        ...(f.vexState === 'not_affected' ? { justification: 'code_not_reachable' } : {}),
        ...(f.vexState === 'exploitable' ? { response: responses(f) } : {}),
        detail: `${f.exploitability.vexDetail ?? f.vexState}. SSVC ${f.decision} (exploitation ${f.decisionPoints.exploitation?.value}, exposure ${f.decisionPoints.exposure?.value}: ${f.decisionPoints.exposure?.reason}); match ${f.confidence}`,
      },
      affects: [{ ref }],
    })),
  };
}
