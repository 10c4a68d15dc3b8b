/**
 * The `vigil` command as a user runs it: bin/vigil.js over the compiled dist/ (built here when
 * stale), on the capture fixtures, files and standard input, good and bad inputs.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, FIXTURE_DIR, FIXTURES, fixtureBytes, units } from '../capture/capture-fixtures.js';
import { VIGIL, ensureBuilt, shell, vigil } from './cli-helpers.js';

let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const fixture = (name: string) => join(FIXTURE_DIR, name);
const frames = (name: string) => EXPECTED.fixtures[name].frames.length;

describe('vigil --help', () => {
  it('bin/vigil.js --help lists the commands', () => {
    const r = vigil(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: vigil/);
    expect(r.stdout).toMatch(/analyze/);
    expect(r.stdout).toMatch(/sensor/);
  });

  it('vigil analyze --help describes the capture arguments and options', () => {
    const r = vigil(['analyze', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/pcap, pcapng/);
    expect(r.stdout).toMatch(/--out/);
  });

  it('npx vigil --help works where vigil is installed', () => {
    // What `npm install` leaves behind: node_modules/.bin/vigil linking to the package's launcher.
    const project = join(tmp, 'project');
    mkdirSync(join(project, 'node_modules/.bin'), { recursive: true });
    symlinkSync(VIGIL, join(project, 'node_modules/.bin/vigil'));
    const r = shell('npx --no -- vigil --help', { cwd: project, env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(r.stderr).not.toMatch(/npm error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: vigil/);
  });
});

describe('vigil analyze: inputs that are not captures', () => {
  it('a text file exits 2 with one line on stderr naming it and saying a pcap or pcapng was expected', () => {
    const path = join(tmp, 'notacapture.txt');
    writeFileSync(path, 'these are notes, not packets\n');
    const r = vigil(['analyze', path]);
    expect(r.status).toBe(2);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toContain(path);
    expect(r.errLines[0]).toMatch(/expected a pcap or pcapng/);
  });

  it('a missing file exits 2 with one clear line', () => {
    const path = join(tmp, 'no-such-capture.pcap');
    const r = vigil(['analyze', path]);
    expect(r.status).toBe(2);
    expect(r.errLines).toEqual([`vigil: ${path}: cannot open: no such file (ENOENT)`]);
  });

  it('an empty file and a folder exit 2, each with one line', () => {
    const empty = join(tmp, 'empty.pcap');
    writeFileSync(empty, '');
    for (const [path, words] of [
      [empty, /is empty, expected a pcap or pcapng/],
      [tmp, /is a directory, expected a pcap or pcapng/],
    ] as const) {
      const r = vigil(['analyze', '-q', path]);
      expect(r.status, path).toBe(2);
      expect(r.errLines, path).toHaveLength(1);
      expect(r.errLines[0]).toContain(path);
      expect(r.errLines[0]).toMatch(words);
    }
  });

  it('a bad input among good ones still analyses the good ones, and exits 2', () => {
    const bad = join(tmp, 'bad.txt');
    writeFileSync(bad, 'nope');
    const r = vigil(['analyze', '--json', fixture('vlan.pcap'), bad, fixture('qinq.pcap')]);
    expect(r.status).toBe(2);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toContain(bad);
    const summary = JSON.parse(r.stdout);
    expect(summary.files.map((f: { file: string }) => f.file)).toEqual([fixture('vlan.pcap'), fixture('qinq.pcap')]);
    expect(summary.packets).toBe(frames('vlan.pcap') + frames('qinq.pcap'));
  });
});

describe('vigil analyze: captures', () => {
  it('--out DIR writes summary.json, flows.jsonl and observations.jsonl', () => {
    const out = join(tmp, 'out-eth');
    const r = vigil(['analyze', '-q', '--out', out, fixture('eth.pcap')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const field of ['packets', 'bytes', 'flows', 'firstTs', 'lastTs', 'errors', 'truncated', 'durationS', 'packetsPerSecond']) {
      expect(summary, field).toHaveProperty(field);
    }
    const tshark = EXPECTED.fixtures['eth.pcap'].frames.map((l) => l.split('\t'));
    expect(summary.packets).toBe(tshark.length);
    expect(summary.bytes).toBe(tshark.reduce((n, f) => n + Number(f[2]), 0));
    expect(summary.truncated).toBe(false);
    expect(summary.firstTs).toBeCloseTo(Number(tshark[0][0]), 6);
    expect(summary.lastTs).toBeCloseTo(Number(tshark[tshark.length - 1][0]), 6);
    expect(summary.durationS).toBeCloseTo(summary.lastTs - summary.firstTs, 5);
    expect(summary.packetsPerSecond).toBeCloseTo(summary.packets / summary.durationS, 1);
    expect(summary.errors).toBeTypeOf('object');
    const flows = readFileSync(join(out, 'flows.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(flows.length).toBe(summary.flows);
    // ICMP v4 and v6 echoes, the UDP datagram and the HTTP connection.
    expect(summary.flows).toBeGreaterThanOrEqual(4);
    const observations = readFileSync(join(out, 'observations.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(observations.length).toBe(summary.observations);
  });

  it('a truncated capture exits 0, says truncated in summary.json and warns with the byte offset', () => {
    const data = fixtureBytes('eth.pcap');
    const record = units(data).filter((u) => u.packet)[10];
    const path = join(tmp, 'cut.pcap');
    writeFileSync(path, data.subarray(0, record.start + 30));
    const out = join(tmp, 'out-cut');
    const r = vigil(['analyze', '--out', out, path]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.truncated).toBe(true);
    expect(summary.packets).toBe(10);
    expect(summary.files[0]).toMatchObject({ truncated: true, packets: 10, damage: { offset: record.start } });
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(/^vigil: warning: /);
    expect(r.errLines[0]).toContain(path);
    expect(r.errLines[0]).toContain(`at byte ${record.start}`);
    expect(r.stdout).toContain(`TRUNCATED at byte ${record.start}`);
  });

  it('a truncated .gz exits 0 with what decompressed, marked truncated', () => {
    const gz = fixtureBytes('eth.pcapng.gz');
    const path = join(tmp, 'cut.pcapng.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = vigil(['analyze', '--json', path]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.truncated).toBe(true);
    expect(summary.files[0]).toMatchObject({ gzip: true, format: 'pcapng', truncated: true });
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.packets).toBeLessThan(frames('eth.pcapng.gz'));
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(/at byte \d+/);
  });

  it('several captures in one run, every format, add up', () => {
    const names = FIXTURES;
    const out = join(tmp, 'out-all');
    const r = vigil(['analyze', '-q', '--out', out, ...names.map(fixture)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.files).toHaveLength(names.length);
    summary.files.forEach((f: { file: string; packets: number; format: string; gzip: boolean; truncated: boolean }, i: number) => {
      const e = EXPECTED.fixtures[names[i]];
      expect(f, names[i]).toMatchObject({ file: fixture(names[i]), packets: e.frames.length, format: e.format, gzip: e.gzip, truncated: false });
    });
    expect(summary.packets).toBe(names.reduce((n, name) => n + frames(name), 0));
    expect(summary.truncated).toBe(false);
  });

  it('pcapng interface statistics reach summary.json as interface drops', () => {
    const r = vigil(['analyze', '--json', fixture('eth.pcapng'), fixture('multi-section.pcapng')]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.files[0].interfaceDrops).toBe(0);
    expect(summary.files[1].interfaceDrops).toBe(0);
  });
});

describe('vigil analyze - (standard input)', () => {
  it.each(FIXTURES)('cat %s | vigil analyze - --json counts what tshark counts', (name) => {
    const r = shell(`cat '${fixture(name)}' | '${process.execPath}' '${VIGIL}' analyze - --json`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.packets).toBe(frames(name));
    expect(summary.files[0]).toMatchObject({ packets: frames(name), format: EXPECTED.fixtures[name].format, gzip: EXPECTED.fixtures[name].gzip, truncated: false });
  });

  it('text on standard input exits 2 with one line', () => {
    const r = vigil(['analyze', '-'], { input: Buffer.from('hello\nworld\n') });
    expect(r.status).toBe(2);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(/expected a pcap or pcapng/);
  });
});

describe('vigil sensor (live capture through a stand-in capture tool)', () => {
  /** A folder for PATH holding `sh` and a fake capture tool that writes `fixture` to stdout. */
  function fakeTool(tool: 'dumpcap' | 'tcpdump', script: string): NodeJS.ProcessEnv {
    const bin = mkdtempSync(join(tmp, `${tool}-`));
    symlinkSync('/bin/sh', join(bin, 'sh'));
    writeFileSync(join(bin, tool), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, tool), 0o755);
    return { ...process.env, PATH: bin };
  }

  it('reads dumpcap output, with its interface statistics', () => {
    const env = fakeTool('dumpcap', `/bin/cat '${fixture('eth.pcapng')}'`);
    const out = join(tmp, 'out-sensor');
    const r = vigil(['sensor', '-i', 'mirror0', '--json', '--out', out], { env });
    expect(r.status).toBe(0);
    expect(r.errLines).toEqual(['vigil: capturing on mirror0 with dumpcap (receive only); Ctrl-C to stop']);
    const summary = JSON.parse(r.stdout);
    expect(summary.packets).toBe(frames('eth.pcapng'));
    expect(summary.files[0]).toMatchObject({ file: 'dumpcap on mirror0', format: 'pcapng', interfaceDrops: 0 });
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).packets).toBe(frames('eth.pcapng'));
  });

  it('falls back to tcpdump and reports the drops it prints on exit', () => {
    const env = fakeTool('tcpdump', `/bin/cat '${fixture('eth.pcap')}'\necho "${frames('eth.pcap')} packets captured" >&2\necho "3 packets dropped by kernel" >&2`);
    for (let i = 0; i < 3; i++) {
      const r = vigil(['sensor', '-i', 'mirror0', '--json'], { env });
      expect(r.status).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.packets).toBe(frames('eth.pcap'));
      expect(summary.captureDrops).toBe(3);
    }
  });

  it('a capture tool that fails exits 2 and says so', () => {
    const env = fakeTool('dumpcap', `echo "dumpcap: There is no device named mirror9" >&2\nexit 1`);
    const r = vigil(['sensor', '-i', 'mirror9'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dumpcap could not capture on mirror9 \(exit status 1\)/);
  });
});
