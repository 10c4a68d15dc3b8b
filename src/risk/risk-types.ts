/** What a risk score is made of. No imports: the dashboard (src/web) reads the same shapes. */
export interface RiskFactor {
  id: string;
  label: string;
  kind: 'likelihood' | 'impact';
  /** The weight the model gives it (0-1). */
  weight: number;
  detail: string;
}

export interface RiskScore {
  deviceId: number;
  /** 0-100: the larger of the safety and privacy scores. */
  score: number;
  safety: number;
  privacy: number;
  likelihood: number;
  safetyImpact: number;
  privacyImpact: number;
  criticality: number;
  factors: RiskFactor[];
}
