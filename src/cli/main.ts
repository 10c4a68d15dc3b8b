import { Command, InvalidArgumentError } from 'commander';
import { analysisNames } from '../protocols/dissector-catalog.js';
// Commands load their modules when they run, so `--help` and each command start quickly.

/** Collects a repeatable option's values. */
const repeatable = (v: string, prev: string[] = []): string[] => [...prev, v];

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1`);
    return n;
  };
}

// Output piped into `head` or a pager that quits early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

function dissectorList(value: string): string {
  try {
    analysisNames(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

const program = new Command('vigil');
program
  .description('Passive security for hospital networks: listens, never sends.')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('analyze')
  .description('Analyse captures (pcap, pcapng, optionally gzip-compressed; "-" for stdin) in one pass')
  .argument('<capture...>', 'capture files')
  .option('-o, --out <dir>', 'write summary.json, flows.jsonl and observations.jsonl to this folder')
  .option('--json', 'print the summary as JSON instead of text')
  .option('--workers <n>', 'spread flows over this many worker threads', positiveInt('--workers'), 1)
  .option('--max-flows <n>', 'flows held at once before the stalest are evicted', positiveInt('--max-flows'))
  .option('--vlan-aware-flows', 'keep the same addresses on two VLANs as two flows (for sites that reuse addresses across VLANs)')
  .option('--dissectors <list>', 'protocol dissectors to run: all, none, or names such as dns,dhcp,tls (lldp and cdp for frames, tcp for SYN fingerprints)', dissectorList, 'all')
  .option('-q, --quiet', 'print nothing but errors')
  .option('--db <store>', 'inventory store to update: a SQLite file or a postgres:// URL (default ./vigil.db, or $VIGIL_DB)')
  .option('--no-db', 'keep no inventory')
  .option('--site <file.yaml>', 'site file mapping subnets and VLANs to departments and zones')
  .option('--packet-store <dir>', 'keep every packet in a rolling store in this folder, for vigil pcap (docs/forensics.md)')
  .option('--packet-store-max-bytes <n>', 'disk bound of the packet store, e.g. 500000000000 (default 10 GiB)', positiveInt('--packet-store-max-bytes'))
  .option('--packet-store-max-age <seconds>', 'oldest packets kept, in seconds (default 30 days)', positiveInt('--packet-store-max-age'))
  .option('--packet-store-key <file>', 'encrypt closed segments with AES-256-GCM using this 32-byte key file')
  .option('--rules <dir>', 'extra fingerprint rules folder (repeatable)', repeatable)
  .option('--no-detect', 'run no threat detection')
  .option('--ioc <file>', 'indicators of compromise, CSV or STIX 2.1 bundle (repeatable)', repeatable)
  .option('--approved <file>', 'approved destinations, JSON {"domains": [...], "addresses": [...]} (repeatable)', repeatable)
  .option('--zone-policy <file>', 'zone policy for segmentation.violation, YAML (repeatable; replaces the bundled one unless it says extends: default)', repeatable)
  .option('--alerts-syslog <url>', 'send alerts as RFC 5424 syslog to udp://host:port or tcp://host:port')
  .option('--alerts-cef <url>', 'send alerts as CEF to udp://host:port or tcp://host:port')
  .option('--alerts-webhook <url>', 'POST alerts as JSON to this URL')
  .action(async (captures: string[], opts) => {
    const { analyzeCommand } = await import('./analyze-command.js');
    const run = await analyzeCommand(captures, opts);
    if (run.rejected.length > 0) process.exitCode = 2;
  });

program
  .command('sensor')
  .description('Analyse a mirror port (or a capture) at one site; with --publish, send windows to the central service over NATS JetStream')
  .option('-i, --interface <name>', 'capture interface (receive only, through dumpcap or tcpdump)')
  .option('-r, --read <file...>', 'capture files to analyse instead of an interface (with --publish)')
  .option('--site <name>', 'site name, e.g. st-marys (letters, digits, - and _): required with --publish')
  .option('--publish <url>', 'NATS JetStream to publish to, e.g. nats://127.0.0.1:4222')
  .option('--sensor-id <id>', 'this sensor\'s name (default <site>-<hostname>)')
  .option('--namespace <name>', 'NATS namespace shared with the central service (default vigil)')
  .option('--spool <dir>', 'windows wait here until NATS has them (default ./vigil-spool-<site>)')
  .option('--spool-max-bytes <n>', 'disk bound of the spool; past it the oldest windows are dropped and counted (default 1 GiB)', positiveInt('--spool-max-bytes'))
  .option('--window <seconds>', 'seconds of traffic per window (default 300 live; files: one window unless given)', positiveInt('--window'))
  .option('--site-file <file.yaml>', 'site file (zones, subnets, VLANs) sent with each window')
  .option('--no-detect', 'no threat detection at the sensor')
  .option('--ioc <file>', 'indicators of compromise, CSV or STIX 2.1 bundle (repeatable)', repeatable)
  .option('--approved <file>', 'approved destinations (repeatable)', repeatable)
  .option('--zone-policy <file>', 'zone policy for segmentation.violation (repeatable; see vigil analyze)', repeatable)
  .option('--packet-store <dir>', 'keep every packet in a rolling store here, at the sensor')
  .option('--flush-timeout <seconds>', 'at the end, how long to keep trying to empty the spool (default 30)', positiveInt('--flush-timeout'))
  .option('-o, --out <dir>', 'write summary.json, flows.jsonl and observations.jsonl to this folder (without --publish)')
  .option('-f, --filter <bpf>', 'capture filter')
  .option('--duration <seconds>', 'stop after this many seconds', positiveInt('--duration'))
  .option('--json', 'print the summary as JSON')
  .action(async (opts) => {
    if (opts.publish) {
      if (!opts.site) {
        process.stderr.write('vigil: sensor --publish needs --site NAME\n');
        process.exitCode = 2;
        return;
      }
      const { publishSensorCommand } = await import('./scale-commands.js');
      process.exitCode = await publishSensorCommand(opts);
      return;
    }
    if (!opts.interface) {
      process.stderr.write('vigil: sensor needs --interface IF (to analyse files here, use vigil analyze; to publish them, add --site and --publish)\n');
      process.exitCode = 2;
      return;
    }
    const { sensorCommand } = await import('./sensor-command.js');
    process.exitCode = await sensorCommand(opts);
  });

program
  .command('central')
  .description("Store every site's sensor windows from NATS JetStream into PostgreSQL, each exactly once; several may run side by side")
  .requiredOption('--nats <url>', 'NATS JetStream, e.g. nats://127.0.0.1:4222')
  .requiredOption('--postgres <url>', 'PostgreSQL store, e.g. postgres://vigil@db/vigil (a SQLite file also works, for one machine)')
  .option('--durable <name>', 'durable consumer shared by the central processes (default vigil-central)')
  .option('--namespace <name>', 'NATS namespace shared with the sensors (default vigil)')
  .option('--rules <dir>', 'extra fingerprint rules folder (repeatable)', repeatable)
  .option('--analytics-interval <seconds>', 'least seconds between whole-inventory vulnerability and risk recomputes (default 60; 0: never)', (v: string) => Number(v))
  .option('--idle-exit <seconds>', 'stop once no window has come for this long (default: run until stopped)', positiveInt('--idle-exit'))
  .option('--ack-wait <seconds>', 'a window a central process holds this long unacknowledged goes to another (default 120; set when the consumer is first made)', positiveInt('--ack-wait'))
  .option('--concurrency <n>', "windows of different sites stored at once, each in its own transaction (default 2); a site's windows are always stored in order", positiveInt('--concurrency'))
  .action(async (opts) => {
    const { centralCommand } = await import('./scale-commands.js');
    process.exitCode = await centralCommand(opts);
  });

program
  .command('simulate')
  .description('Write a synthetic hospital capture (pcapng) and its ground truth (JSON); no patient in it is real')
  .requiredOption('-o, --out <file.pcapng>', 'capture to write')
  .option('--truth <file.json>', 'ground truth to write (default: <out>.truth.json)')
  .option('--site <file.yaml>', "also write the hospital's site file (zones, subnets, VLANs) for analyze --site")
  .option('--seed <n>', 'random seed: the same seed writes the same bytes (default 1)')
  .option('--devices <n>', 'devices in the hospital, at least about 70 (default 400)')
  .option('--duration <d>', 'traffic span, e.g. 45m, 2h, 1d (default 2h)')
  .option('--attacks <list>', 'attacks to stage: all, or names such as port-scan,smb-worm')
  .option('--demo', 'the settings of the bundled demo capture (150 devices, one attack)')
  .option('--image-scale <x>', 'scale DICOM image sizes (1 = realistic)')
  .option('--rate-scale <x>', 'scale how often devices talk')
  .option('--knowledge-dir <dir>', 'folder with topology.json and catalogue.json to use instead of knowledge/simulator')
  .action(async (opts) => {
    const { simulateCommand } = await import('./simulate-command.js');
    simulateCommand(opts);
  });

program
  .command('devices')
  .description('List the device inventory: vendor, model, firmware, category, role, zone, with evidence in JSON')
  .option('--db <store>', 'inventory store: a SQLite file or a postgres:// URL (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'every device with its addresses, services and the evidence for each attribute')
  .option('--csv', 'one row per device')
  .option('--category <id>', 'only devices of this category (e.g. infusion-pump)')
  .option('-o, --out <dir>', 'write devices.json to this folder')
  .action(async (opts) => {
    const { devicesCommand } = await import('./devices-command.js');
    process.exitCode = await devicesCommand(opts);
  });

program
  .command('blast-radius')
  .description('What a compromise of one device reaches over observed conversations, and who depends on it')
  .argument('<device>', 'inventory id, IP, MAC or hostname')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--hops <n>', `how many hops to follow (default 3)`, positiveInt('--hops'))
  .option('--reverse', 'the devices that can reach this one instead')
  .option('--json', 'as JSON')
  .action(async (device: string, opts) => {
    const { blastRadiusCommand } = await import('./graph-commands.js');
    process.exitCode = await blastRadiusCommand(device, opts);
  });

program
  .command('workflows')
  .description('Clinical workflows recognised from the conversations: image storage, worklists, HL7 orders and results, monitoring, infusion, lab, printing, remote access')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'every workflow with its hub, members and evidence')
  .action(async (opts) => {
    const { workflowsCommand } = await import('./graph-commands.js');
    process.exitCode = await workflowsCommand(opts);
  });

program
  .command('internet')
  .description('Conversations with the internet by destination: which devices talk to each public address (or are reached from it), on which services, with the names DNS gave it')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--limit <n>', 'destinations shown (default 50)', positiveInt('--limit'))
  .option('--json', 'as JSON, each destination with every device')
  .action(async (opts) => {
    const { internetCommand } = await import('./graph-commands.js');
    process.exitCode = await internetCommand(opts);
  });

program
  .command('choke-points')
  .description('Devices whose loss cuts the network apart or carries the most paths, ranked')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--limit <n>', 'how many to list (default 20)', positiveInt('--limit'))
  .option('--json', 'as JSON')
  .action(async (opts) => {
    const { chokePointsCommand } = await import('./graph-commands.js');
    process.exitCode = await chokePointsCommand(opts);
  });

program
  .command('risk')
  .description('Recompute every device\'s risk (0-100) with clinical context and list the top, by patient safety or privacy')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--by <view>', 'safety (default) or privacy')
  .option('--limit <n>', 'how many to list (default 20)', positiveInt('--limit'))
  .option('--json', 'as JSON, each score with its factors and weights')
  .action(async (opts) => {
    const { riskCommand } = await import('./risk-command.js');
    process.exitCode = await riskCommand(opts);
  });

program
  .command('mitigate')
  .description('Mitigation options for a device, each with its predicted risk and operational cost; the cheapest that brings it under the target first')
  .argument('<device>', 'inventory id, IP, MAC or hostname')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'as JSON')
  .action(async (device: string, opts) => {
    const { mitigateCommand } = await import('./mitigate-command.js');
    process.exitCode = await mitigateCommand(device, opts);
  });

program
  .command('whatif')
  .description('Apply a plan of mitigations and zone moves to a copy of the risk inputs and show risk before and after (nothing is changed)')
  .argument('<plan.yaml>', 'actions: [{devices: [...] | group: category:ID, apply: [mitigation ids], moveTo: zone id}]')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'as JSON')
  .action(async (plan: string, opts) => {
    const { whatIfCommand } = await import('./mitigate-command.js');
    process.exitCode = await whatIfCommand(plan, opts);
  });

program
  .command('policy')
  .description('The allowlist of exactly the conversations a device\'s (or a group\'s) clinical workflows use, verified by replaying the capture')
  .argument('<target>', 'a device (id, IP, MAC, hostname) or a group: category:ID, zone:ID, role:ID')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--format <format>', 'nftables, cisco, panos or json (default json)')
  .action(async (target: string, opts) => {
    const { policyCommand } = await import('./policy-command.js');
    process.exitCode = await policyCommand(target, opts);
  });

program
  .command('serve')
  .description('Serve the REST API (document at /api/docs) and the dashboard on an inventory store')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--postgres <url>', "the central service's PostgreSQL store (the same as --db <url>)")
  .option('--port <n>', 'port (default 8080)', positiveInt('--port'))
  .option('--host <address>', 'address to listen on (default 127.0.0.1: this machine only)')
  .option('--tls-cert <file.pem>', 'serve HTTPS with this certificate (with --tls-key)')
  .option('--tls-key <file.pem>', 'private key of the certificate')
  .option('--new-admin-token', 'make and print a new admin token (the first one is printed only once)')
  .option('--log <level>', 'server log level: error, warn, info, debug (default warn)')
  .option('--packet-store <dir>', 'packet store folder (vigil analyze --packet-store) for packet downloads')
  .action(async (opts) => {
    const { serveCommand } = await import('./serve-command.js');
    process.exitCode = await serveCommand({ ...opts, db: opts.postgres ?? opts.db });
  });

const token = program.command('token').description('API tokens: each has a role, viewer < analyst < admin; secrets are shown once and stored hashed');
token
  .command('create')
  .description('Make a token and print it once')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--name <name>', 'who or what uses it')
  .option('--role <role>', 'viewer, analyst or admin (default viewer)')
  .option('--ttl-days <n>', 'expire after this many days', positiveInt('--ttl-days'))
  .option('--json', 'as JSON')
  .action(async (opts) => {
    const { tokenCommand } = await import('./serve-command.js');
    process.exitCode = await tokenCommand('create', opts);
  });
token
  .command('list')
  .description('Tokens with their role and dates (never their secret)')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'as JSON')
  .action(async (opts) => {
    const { tokenCommand } = await import('./serve-command.js');
    process.exitCode = await tokenCommand('list', opts);
  });
token
  .command('revoke')
  .description('Revoke a token by id')
  .argument('<id>', 'token id (from `vigil token list`)', positiveInt('<id>'))
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .action(async (id: number, opts) => {
    const { tokenCommand } = await import('./serve-command.js');
    process.exitCode = await tokenCommand('revoke', { ...opts, id });
  });

program
  .command('alerts')
  .description('Alerts raised by detection: list them, or acknowledge / resolve one by id')
  .argument('[action]', 'ack or resolve')
  .argument('[id]', 'alert id')
  .option('--db <store>', 'inventory store: a SQLite file or a postgres:// URL (default ./vigil.db, or $VIGIL_DB)')
  .option('--status <status>', 'only alerts with this status: new, acknowledged, resolved')
  .option('--severity <level>', 'only alerts at or above: low, medium, high, critical')
  .option('--limit <n>', 'at most this many', positiveInt('--limit'), 100)
  .option('--json', 'print JSON')
  .option('--by <name>', 'who acknowledges or resolves (default $USER)')
  .option('--incidents', 'list incidents (alerts grouped by attacker or victim) instead of alerts')
  .action(async (action: string | undefined, id: string | undefined, opts) => {
    const { alertsCommand } = await import('./alerts-command.js');
    process.exitCode = await alertsCommand(action, id, opts);
  });

const kb = program.command('kb').description('The vulnerability knowledge base: CSAF advisories, CVE records, NVD, CISA KEV, FIRST EPSS');
kb.command('import')
  .description('Import feed files, or every .json/.csv under folders (format recognised from content)')
  .argument('<paths...>', 'files or folders')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'per-file counts and errors as JSON')
  .action(async (paths: string[], opts) => {
    const { kbImportCommand } = await import('./vuln-commands.js');
    process.exitCode = await kbImportCommand(paths, opts);
  });
kb.command('status')
  .description('The imported feeds: formats, entries, dates, errors')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'as JSON')
  .action(async (opts) => {
    const { kbStatusCommand } = await import('./vuln-commands.js');
    process.exitCode = await kbStatusCommand(opts);
  });

program
  .command('vulns')
  .description('Vulnerabilities that can be exploited here: matches, reachability, attack paths and an SSVC decision per device')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--device <device>', 'one device (inventory id, IP, MAC or hostname), with every decision point and path')
  .option('--all', 'list deferred findings too')
  .option('--json', 'summary and every finding as JSON')
  .option('--vex <file>', 'write CycloneDX VEX: to this file with --device, else one file per device into this folder')
  .action(async (opts) => {
    const { vulnsCommand } = await import('./vuln-commands.js');
    process.exitCode = await vulnsCommand(opts);
  });

program
  .command('pcap')
  .description('Packets from the packet store (by device, address, port, protocol, time, flow or alert) to a pcapng or pcap file, redacted by default; the export is hashed and recorded in the audit log')
  .requiredOption('--store <dir>', 'packet store folder (written by vigil analyze --packet-store)')
  .requiredOption('-o, --out <file>', 'pcapng or pcap file to write')
  .option('--format <pcap|pcapng>', 'file format (default: pcap for a .pcap file name, else pcapng); pcap holds one link type')
  .option('--db <store>', 'inventory store: devices, alerts and the audit log (default ./vigil.db, or $VIGIL_DB)')
  .option('--device <device>', 'packets from or to any address of this device (inventory id, IP, MAC or hostname)')
  .option('--ip <address...>', 'packets from or to these addresses')
  .option('--port <n>', 'source or destination port')
  .option('--proto <name>', 'IP protocol: tcp, udp, icmp, icmpv6, sctp or a number')
  .option('--from <time>', 'from this time (ISO 8601, UTC unless a zone is given, or seconds since the epoch)')
  .option('--to <time>', 'up to this time')
  .option('--flow <a:port-b:port>', 'one connection, both directions (IPv6 as [address]:port)')
  .option('--alert <id>', 'packets of the alert\'s hosts around it (see --before, --after)')
  .option('--before <s>', 'seconds before an alert (default 300)')
  .option('--after <s>', 'seconds after an alert (default 60)')
  .option('--redact', 'mask HL7, DICOM and ASTM patient values (the default)')
  .option('--no-redact', 'keep HL7, DICOM and ASTM patient values')
  .option('--key-file <file>', 'key of an encrypted packet store')
  .option('--json', 'print the result as JSON')
  .action(async (opts) => {
    const { pcapCommand } = await import('./pcap-command.js');
    process.exitCode = await pcapCommand(opts);
  });

program
  .command('timeline')
  .description('What happened to a device, in time order (first seen, addresses, DHCP, new peers and services, workflow facts, alerts); an incident with its devices; with --root-cause and an alert, patient zero and the path from it')
  .argument('<target>', 'a device (inventory id, IP, MAC or hostname), alert:ID or incident:ID')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--root-cause', 'with alert:ID: walk back to the earliest anomalous contact that led to the alert (patient zero)')
  .option('--from <time>', 'events from this time (ISO 8601, UTC unless a zone is given, or seconds since the epoch)')
  .option('--to <time>', 'events up to this time')
  .option('--limit <n>', 'events shown at most (default 1000, the earliest)', positiveInt('--limit'))
  .option('--json', 'as JSON')
  .action(async (target: string, opts) => {
    const { timelineCommand } = await import('./timeline-command.js');
    process.exitCode = await timelineCommand(target, opts);
  });

const procure = program.command('procure').description('Secure before procure: a device assessed before it is bought, from its MDS2 form and SBOM');
procure
  .command('assess')
  .description('Known vulnerabilities, projected risk and rank in this hospital, MDS2 gaps with controls and contract clauses, a secure configuration, declared vs observed; HTML and JSON report')
  .argument('<candidate>', 'candidate YAML: vendor, model, softwareVersion, category, site, zone, peers, count (listens optional)')
  .option('--mds2 <file>', "the vendor's MDS2 form (ANSI/NEMA HN 1-2019 worksheet, XLSX)")
  .option('--sbom <file>', 'SBOM: CycloneDX JSON or SPDX JSON')
  .requiredOption('--report <dir>', 'folder to write procurement-report.html, .json and .pdf into')
  .option('--db <store>', 'inventory store (default ./vigil.db, or $VIGIL_DB)')
  .option('--json', 'print the report as JSON')
  .option('--chromium <path>', 'Chromium to print procurement-report.pdf with (default /usr/bin/chromium; without one only HTML and JSON are written)')
  .option('--no-pdf', 'write HTML and JSON only')
  .action(async (candidate: string, opts) => {
    const { procureAssessCommand } = await import('./procure-command.js');
    process.exitCode = await procureAssessCommand(candidate, opts);
  });

program
  .command('demo', { hidden: true })
  .description('Analyse the bundled capture into ./vigil.db unless it exists, then serve the dashboard (what `npm start` runs)')
  .option('--db <file>', 'store to analyse into and serve (default ./vigil.db)')
  .option('--port <n>', 'port (default 8080)', positiveInt('--port'))
  .option('--no-serve', 'analyse only')
  .action(async (opts) => {
    const { demoCommand } = await import('./demo-command.js');
    process.exitCode = await demoCommand(opts);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
