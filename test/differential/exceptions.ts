import type { Difference } from './compare.js';

/**
 * Differences between Vigil and tshark 4.0 that are meant. Each names one capture (path under
 * ../shared/captures), the check, the exact difference text the comparison prints, and why.
 * An exception that no longer matches a difference fails the test, so the table cannot go stale.
 */
export interface DifferentialException extends Difference {
  capture: string;
  reason: string;
}

export const EXCEPTIONS: readonly DifferentialException[] = [];
