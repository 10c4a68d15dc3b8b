import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { SshDissector, hassh, hasshServer, parseKexInit } from '../../src/protocols/ssh/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';

// Real SSH bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/ssh/single-conn.pcap at commit a13de64fbbdb01f90961c04719b308fbbb6d199e (copy in
//         ../shared/captures/general/zeek/ssh/); the TCP payloads of frames 4, 6, 8 and 9 (tshark numbering):
//         the server's and client's identification strings and their KEXINIT packets.
// sshguess.pcap (Zeek, BSD-3-Clause too) is read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 49244,
  responderPort: 22,
  segments,
  expected,
  exact,
});

const SERVER_BANNER =
  '5353482d312e39392d4f70656e5353485f332e3970310a';
const CLIENT_BANNER =
  '5353482d322e302d4f70656e5353485f332e382e3170310a';
const CLIENT_KEXINIT =
  '0000025c07147804f8bb207281ea50847685da5167970000003d6469666669652d68656c6c6d616e2d67726f75702d65786368616e67652d736861312c6469666669652d68656c6c6d616e2d67726f75' +
  '70312d736861310000000f7373682d7273612c7373682d647373000000876165733132382d6362632c336465732d6362632c626c6f77666973682d6362632c636173743132382d6362632c617263666f' +
  '75722c6165733139322d6362632c6165733235362d6362632c72696a6e6461656c2d636263406c797361746f722e6c69752e73652c6165733132382d6374722c6165733139322d6374722c6165733235' +
  '362d637472000000876165733132382d6362632c336465732d6362632c626c6f77666973682d6362632c636173743132382d6362632c617263666f75722c6165733139322d6362632c6165733235362d' +
  '6362632c72696a6e6461656c2d636263406c797361746f722e6c69752e73652c6165733132382d6374722c6165733139322d6374722c6165733235362d63747200000055686d61632d6d64352c686d61' +
  '632d736861312c686d61632d726970656d643136302c686d61632d726970656d64313630406f70656e7373682e636f6d2c686d61632d736861312d39362c686d61632d6d64352d393600000055686d61' +
  '632d6d64352c686d61632d736861312c686d61632d726970656d643136302c686d61632d726970656d64313630406f70656e7373682e636f6d2c686d61632d736861312d39362c686d61632d6d64352d' +
  '3936000000096e6f6e652c7a6c6962000000096e6f6e652c7a6c69620000000000000000000000000000000000000000';
const SERVER_KEXINIT =
  '0000027c0b146af8fccdb4aa9006fda05bd80ba9fba3000000596469666669652d68656c6c6d616e2d67726f75702d65786368616e67652d736861312c6469666669652d68656c6c6d616e2d67726f75' +
  '7031342d736861312c6469666669652d68656c6c6d616e2d67726f7570312d736861310000000f7373682d7273612c7373682d647373000000876165733132382d6362632c336465732d6362632c626c' +
  '6f77666973682d6362632c636173743132382d6362632c617263666f75722c6165733139322d6362632c6165733235362d6362632c72696a6e6461656c2d636263406c797361746f722e6c69752e7365' +
  '2c6165733132382d6374722c6165733139322d6374722c6165733235362d637472000000876165733132382d6362632c336465732d6362632c626c6f77666973682d6362632c636173743132382d6362' +
  '632c617263666f75722c6165733139322d6362632c6165733235362d6362632c72696a6e6461656c2d636263406c797361746f722e6c69752e73652c6165733132382d6374722c6165733139322d6374' +
  '722c6165733235362d63747200000055686d61632d6d64352c686d61632d736861312c686d61632d726970656d643136302c686d61632d726970656d64313630406f70656e7373682e636f6d2c686d61' +
  '632d736861312d39362c686d61632d6d64352d393600000055686d61632d6d64352c686d61632d736861312c686d61632d726970656d643136302c686d61632d726970656d64313630406f70656e7373' +
  '682e636f6d2c686d61632d736861312d39362c686d61632d6d64352d3936000000096e6f6e652c7a6c6962000000096e6f6e652c7a6c6962000000000000000000000000000000000000000000000000';

// Built after RFC 4253: a KEXINIT (§7.1) in a binary packet (§6) without MAC, padded to a multiple of 8.
const u32 = (n: number): string => n.toString(16).padStart(8, '0');
const nameList = (text: string): string => u32(text.length) + ascii(text);
const kexinit = (lists: string[]): string => '14' + '00112233445566778899aabbccddeeff' + lists.map(nameList).join('') + '00' + u32(0);
const packet = (payload: string): string => {
  const n = payload.length / 2;
  let pad = 8 - ((5 + n) % 8);
  if (pad < 4) pad += 8;
  return u32(1 + n + pad) + pad.toString(16).padStart(2, '0') + payload + '00'.repeat(pad);
};
const LISTS = [
  'curve25519-sha256,diffie-hellman-group14-sha256',
  'ssh-ed25519,rsa-sha2-512',
  'aes128-ctr,chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com,aes128-ctr',
  'hmac-sha2-256',
  'hmac-sha2-512,hmac-sha1',
  'none',
  'none,zlib@openssh.com',
  '',
  '',
];
const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const BUILT_HASSH = md5('curve25519-sha256,diffie-hellman-group14-sha256;aes128-ctr,chacha20-poly1305@openssh.com;hmac-sha2-256;none');
const BUILT_HASSH_SERVER = md5('curve25519-sha256,diffie-hellman-group14-sha256;aes256-gcm@openssh.com,aes128-ctr;hmac-sha2-512,hmac-sha1;none,zlib@openssh.com');
/** The packet with its first name-list's length (after length, padding length, message and cookie) overrunning. */
const overrun = (p: string): string => p.slice(0, 44) + '0000ff00' + p.slice(52);
const LONG_SOFTWARE = 'X'.repeat(300);

const vectors: ConformanceVector[] = [
  tcp('zeek single-conn.pcap: SSH-1.99 server, SSH-2.0 client, both KEXINITs', [seg(1, SERVER_BANNER), seg(0, CLIENT_BANNER), seg(0, CLIENT_KEXINIT), seg(1, SERVER_KEXINIT)], [
    fact(1, 'ssh.banner', 'SSH-1.99-OpenSSH_3.9p1'),
    fact(1, 'ssh.version', '1.99'),
    fact(1, 'ssh.software', 'OpenSSH_3.9p1'),
    fact(0, 'ssh.banner', 'SSH-2.0-OpenSSH_3.8.1p1'),
    fact(0, 'ssh.version', '2.0'),
    fact(0, 'ssh.software', 'OpenSSH_3.8.1p1'),
    fact(0, 'ssh.hassh', 'c4fd9343cba76d12f0dd523fbe7c4da1'),
    fact(1, 'ssh.hassh_server', 'f430cd6761697a6a658ee1d45ed22e49'),
  ]),
  tcp(
    'built: lines before the server banner, CRLF and comments, banner and KEXINIT in one segment, encrypted after',
    [
      seg(1, ascii('Welcome to the PACS gateway\r\nauthorised use only\r\n') + ascii('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n') + packet(kexinit(LISTS))),
      seg(0, ascii('SSH-2.0-PuTTY_Release_0.80\r\n') + packet(kexinit(LISTS)) + 'deadbeef'.repeat(20)),
      seg(1, 'cafebabe'.repeat(40)),
    ],
    [
      fact(1, 'ssh.banner', 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13'),
      fact(1, 'ssh.version', '2.0'),
      fact(1, 'ssh.software', 'OpenSSH_9.6p1'),
      fact(1, 'ssh.hassh_server', BUILT_HASSH_SERVER),
      fact(0, 'ssh.banner', 'SSH-2.0-PuTTY_Release_0.80'),
      fact(0, 'ssh.version', '2.0'),
      fact(0, 'ssh.software', 'PuTTY_Release_0.80'),
      fact(0, 'ssh.hassh', BUILT_HASSH),
    ],
  ),
  tcp(
    'built: SSH-1.5 (no binary packets read), an over-long banner bounded to 255, a KEXINIT whose list overruns',
    [
      seg(1, ascii('SSH-1.5-1.2.27\n') + packet(kexinit(LISTS))),
      seg(0, ascii(`SSH-2.0-${LONG_SOFTWARE}\r\n`) + overrun(packet(kexinit(LISTS)))),
    ],
    [
      fact(1, 'ssh.banner', 'SSH-1.5-1.2.27'),
      fact(1, 'ssh.version', '1.5'),
      fact(1, 'ssh.software', '1.2.27'),
      fact(0, 'ssh.banner', `SSH-2.0-${LONG_SOFTWARE}`.slice(0, 255)),
      fact(0, 'ssh.version', '2.0'),
      fact(0, 'ssh.software', `SSH-2.0-${LONG_SOFTWARE}`.slice(8, 255)),
    ],
  ),
  tcp('built: not SSH (HTTP on port 22, an oversized packet length)', [seg(0, ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), seg(1, ascii('SSH-2.0-x\r\n') + 'ffffffff00')], [
    fact(1, 'ssh.banner', 'SSH-2.0-x'),
    fact(1, 'ssh.version', '2.0'),
    fact(1, 'ssh.software', 'x'),
  ]),
];

const skipWhy = captureSkipReason('ssh.test');
const GUESS = 'attacks/zeek/ssh/sshguess.pcap';
const SINGLE = 'general/zeek/ssh/single-conn.pcap';
if (!skipWhy && existsSync(new URL(GUESS, SHARED))) {
  // The first streams of the password-guessing capture, up to the end of the key exchange (what the session reads).
  for (const flow of tcpFlows(new URL(GUESS, SHARED).pathname, 'tcp.port == 22').slice(0, 3)) {
    vectors.push({ ...tcp(`shared ${GUESS} stream ${flow.stream} (run time only)`, flow.segments.slice(0, 8), []), exact: false });
  }
}

const ssh = new SshDissector();
describeConformance(ssh, vectors);

describe('SshDissector', () => {
  it('claims TCP 22 and probes SSH- at stream start', () => {
    expect(ssh.tcpPorts).toEqual([22]);
    expect(ssh.udpPorts).toEqual([]);
    const b = Buffer.from('xxSSH-2.0-x\r\n', 'latin1');
    expect(ssh.probe('tcp', 1, b, 2, b.length - 2)).toBe(true);
    expect(ssh.probe('tcp', 1, b, 0, b.length)).toBe(false);
    expect(ssh.probe('udp', 1, b, 2, b.length - 2)).toBe(false);
    expect(ssh.probe('tcp', 0, b, 2, 3)).toBe(false);
  });

  it('computes HASSH over kex;enc;mac;comp of its own direction (salesforce/hassh)', () => {
    const k = parseKexInit(hex(kexinit(LISTS)), 0, kexinit(LISTS).length / 2)!;
    expect(hassh(k)).toBe(BUILT_HASSH);
    expect(hasshServer(k)).toBe(BUILT_HASSH_SERVER);
    expect(parseKexInit(hex(kexinit(LISTS)), 0, 40)).toBeNull();
  });

  it('detaches once both KEXINITs are seen', () => {
    const session = ssh.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 22 });
    for (const s of vectors[0].segments) session.data(s.dir, s.bytes, 0, s.bytes.length);
    expect(session.done).toBe(true);
  });

  it('gives up a side after a gap', () => {
    const facts: string[] = [];
    const session = ssh.open({ emit: (k) => facts.push(k), ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 22 });
    session.gap?.(0, 10);
    const b = hex(CLIENT_BANNER);
    session.data(0, b, 0, b.length);
    expect(facts).toEqual([]);
  });
});

// Differential test against tshark: per TCP stream, the values tshark shows for `ssh.protocol` (banner),
// `ssh.kex.hassh` and `ssh.kex.hasshserver` against ours. Recall per key is printed.
describe.skipIf(skipWhy !== '')('SSH against tshark', () => {
  it('every banner and HASSH tshark shows is emitted, nothing emitted contradicts it', () => {
    const keys = [
      { key: 'ssh.banner', field: 0 },
      { key: 'ssh.hassh', field: 1 },
      { key: 'ssh.hassh_server', field: 2 },
    ];
    const stats = new Map(keys.map((k) => [k.key, { expected: 0, found: 0, emitted: 0, missing: [] as string[], contradicting: [] as string[] }]));
    for (const capture of [SINGLE, GUESS]) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const flow of tcpFlows(new URL(capture, SHARED).pathname, 'tcp.port == 22', ['ssh.protocol', 'ssh.kex.hassh', 'ssh.kex.hasshserver'])) {
        const facts = feedWhole(ssh, flow).facts;
        for (const { key, field } of keys) {
          const st = stats.get(key)!;
          const theirs = new Set(flow.rows.map((r) => r[field]).filter((v) => v).flatMap((v) => v.split(AGGREGATOR)));
          const ours = new Set(facts.filter((f) => f.key === key).map((f) => String(f.value)));
          st.expected += theirs.size;
          st.emitted += ours.size;
          for (const v of theirs) if (ours.has(v)) st.found++; else st.missing.push(`${capture} stream ${flow.stream}: ${v}`);
          for (const v of ours) if (!theirs.has(v)) st.contradicting.push(`${capture} stream ${flow.stream}: ${v}`);
        }
      }
    }
    const lines = [...stats].map(([key, st]) => `${key}: tshark ${st.expected}, found ${st.found} (recall ${st.expected ? ((100 * st.found) / st.expected).toFixed(1) + '%' : 'n/a'}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`);
    console.info(`SSH vs tshark:\n  ${lines.join('\n  ')}`);
    for (const [key, st] of stats) {
      expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
      expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
    }
  });
});
