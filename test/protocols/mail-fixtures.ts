/**
 * The POP3, IMAP and LDAP fixture recordings (test/fixtures/mail/, made by scripts/record-mail-ldap-fixtures.sh
 * against Dovecot and OpenLDAP slapd) as harness vectors, and the throwaway credentials used to make them:
 * no emitted fact may contain any of these, in clear or in the base64 the SASL exchanges carry.
 */
import { readFileSync } from 'node:fs';
import type { Fact } from '../../src/protocols/harness.js';
import { pcapFlows, type PcapFlow } from '../fixtures/dicom/pcap-flows.js';

export const MAIL_FIXTURES = new URL('../fixtures/mail/', import.meta.url);

export function fixtureFile(name: string): string {
  return new URL(name, MAIL_FIXTURES).pathname;
}

/** TCP connections of a fixture, in the order they were opened. */
export function fixtureFlows(name: string): PcapFlow[] {
  return pcapFlows(readFileSync(fixtureFile(name)));
}

const PASSWORDS = ['not-a-secret', 'wrong-password'];
/** The user name and password in the encodings the recordings carry them: PLAIN's `\0user\0password`, LOGIN's separate strings. */
export const CREDENTIAL_FORMS: readonly string[] = [
  ...PASSWORDS,
  ...PASSWORDS.map((p) => Buffer.from(p).toString('base64').replace(/=+$/, '')),
  ...PASSWORDS.map((p) => Buffer.from(`\0test\0${p}`).toString('base64').replace(/=+$/, '')),
  Buffer.from('test').toString('base64').replace(/=+$/, ''),
];

/** Credential forms found in any fact's value (empty when none leaked). */
export function leakedCredentials(facts: readonly Fact[]): string[] {
  const text = facts.map((f) => JSON.stringify(f.value)).join('\n');
  return CREDENTIAL_FORMS.filter((c) => text.includes(c));
}
