/**
 * Severity with clinical context: the rule's own severity, raised by the patient-safety class of the device
 * the alert is about (taxonomy safetyImpact) and by its part in a clinical workflow. A low finding (hygiene,
 * such as cleartext credentials) is raised at most to just below `lowStaysBelow`: context makes it matter
 * more, not turn it into an attack.
 */
import { raiseSeverity, severityRank, SEVERITIES, type Severity } from './alert.js';
import type { DeviceInfo } from './device-context.js';
import type { Thresholds } from './thresholds.js';

export function clinicalSeverity(base: Severity, info: DeviceInfo | null, t: Thresholds['severity']): { severity: Severity; reasons: string[] } {
  const reasons = [`rule: ${base}`];
  if (!info) return { severity: base, reasons };
  let steps = 0;
  if (info.safetyImpact) {
    const r = t.safetyImpactRaise[info.safetyImpact] ?? 0;
    if (r > 0) reasons.push(`+${r}: ${info.category} is ${info.safetyImpact}`);
    steps += r;
  } else if (info.workflows.length > 0 && t.workflowRaise > 0) {
    reasons.push(`+${t.workflowRaise}: carries clinical workflows (${info.workflows.join(', ')})`);
    steps += t.workflowRaise;
  }
  let severity = raiseSeverity(base, steps);
  if (base === 'low' && severityRank(severity) >= severityRank(t.lowStaysBelow)) {
    severity = SEVERITIES[Math.max(0, severityRank(t.lowStaysBelow) - 1)];
    reasons.push(`capped at ${severity}: a hygiene finding, not an attack`);
  }
  return { severity, reasons };
}
