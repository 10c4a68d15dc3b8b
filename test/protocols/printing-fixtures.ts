/**
 * The printing fixture recordings (test/fixtures/printing/, made by scripts/record-printing-fixtures.sh:
 * ippeveprinter answering ipptool, BSD lpd answering BSD lpr/lpq) as harness vectors, and the throwaway job
 * values the recordings carry: no emitted fact may contain any of them.
 */
import { readFileSync } from 'node:fs';
import type { Fact } from '../../src/protocols/harness.js';
import { pcapFlows, type PcapFlow } from '../fixtures/dicom/pcap-flows.js';

export const PRINTING_FIXTURES = new URL('../fixtures/printing/', import.meta.url);

export function fixtureFile(name: string): string {
  return new URL(name, PRINTING_FIXTURES).pathname;
}

/** TCP connections of a fixture, in the order they were opened. */
export function fixtureFlows(name: string): PcapFlow[] {
  return pcapFlows(readFileSync(fixtureFile(name)), true);
}

/** The job's title, the user who printed it, the printed text and the spooled file's name. */
export const JOB_VALUES: readonly string[] = ['fixture-title', 'fixture page', 'root', 'page.txt', 'vprint-record'];

/** Job values found in any fact's value (empty when none leaked). */
export function leakedJobValues(facts: readonly Fact[]): string[] {
  const text = facts.map((f) => JSON.stringify(f.value)).join('\n');
  return JOB_VALUES.filter((v) => text.includes(v));
}
