/** What the alert and vulnerability routes answer (see src/detect/alert-store.ts and src/vuln/assess.ts). */
export type { StoredAlert as Alert } from '../detect/alert';

export interface HopDevice {
  id: number;
  label: string;
  zone?: string | null;
}

export interface Vulnerability {
  deviceId: number;
  device: { id: number; label: string; vendor: string | null; model: string | null; firmware: string | null; category: string | null; zone: string | null };
  cve: string;
  title: string | null;
  cvss: { score: number | null; vector: string | null };
  attackVector: string | null;
  kev: boolean;
  epss: number | null;
  confidence: string;
  evidence: { vendor: string; product: string; versions: string | null; advisory: string | null; test: string; fixedVersion: string | null }[];
  exploitability: {
    attackVector: string | null;
    service: { status: string; inUse: string[]; listening: string[] };
    reach: { reachers: number; zones: { zone: string; kind: string | null; devices: number }[]; paths: { from: string; hops: { from: HopDevice; to: HopDevice; services: string[] }[] }[] };
    entryPoint: string[];
    internetFacing: boolean;
  };
  decision: 'immediate' | 'out-of-cycle' | 'scheduled' | 'defer';
  decisionPoints: Record<string, { value: string; reason: string }>;
  vexState: string;
  advisories: string[];
  remediations: { category: string; details: string; url?: string }[];
}

export const SEVERITY_COLOURS: Record<string, string> = { critical: '#922b21', high: '#c0392b', medium: '#e67e22', low: '#7f8c8d' };
export const DECISION_COLOURS: Record<string, string> = { immediate: '#922b21', 'out-of-cycle': '#e67e22', scheduled: '#d4ac0d', defer: '#7f8c8d' };
export const DECISIONS = ['immediate', 'out-of-cycle', 'scheduled', 'defer'];
