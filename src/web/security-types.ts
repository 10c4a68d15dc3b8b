/** What the alert and vulnerability routes answer (see src/detect/alert-store.ts and src/vuln/assess.ts). */
export type { StoredAlert as Alert } from '../detect/alert';

export type { DeviceVulnerability as Vulnerability } from '../vuln/assess';

export const SEVERITY_COLOURS: Record<string, string> = { critical: '#922b21', high: '#c0392b', medium: '#e67e22', low: '#7f8c8d' };
export const DECISION_COLOURS: Record<string, string> = { immediate: '#922b21', 'out-of-cycle': '#e67e22', scheduled: '#d4ac0d', defer: '#7f8c8d' };
export const DECISIONS = ['immediate', 'out-of-cycle', 'scheduled', 'defer'];
