import { Command, InvalidArgumentError } from 'commander';
import { selectDissectors } from '../protocols/index.js';
// Commands load their modules when they run, so `--help` and each command start quickly.

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
    selectDissectors(value);
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
  .option('--dissectors <list>', 'protocol dissectors to run: all, none, or names such as dns,dhcp,tls', dissectorList, 'all')
  .option('-q, --quiet', 'print nothing but errors')
  .option('--db <store>', 'inventory store to update: a SQLite file or a postgres:// URL (default ./vigil.db, or $VIGIL_DB)')
  .option('--no-db', 'keep no inventory')
  .option('--site <file.yaml>', 'site file mapping subnets and VLANs to departments and zones')
  .option('--rules <dir>', 'extra fingerprint rules folder (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
  .action(async (captures: string[], opts) => {
    const { analyzeCommand } = await import('./analyze-command.js');
    const run = await analyzeCommand(captures, opts);
    if (run.rejected.length > 0) process.exitCode = 2;
  });

program
  .command('sensor')
  .description('Analyse live traffic from a mirror port through dumpcap or tcpdump (receive only)')
  .requiredOption('-i, --interface <name>', 'capture interface')
  .option('-o, --out <dir>', 'write summary.json, flows.jsonl and observations.jsonl to this folder')
  .option('-f, --filter <bpf>', 'capture filter')
  .option('--duration <seconds>', 'stop after this many seconds', positiveInt('--duration'))
  .option('--json', 'print the summary as JSON')
  .action(async (opts) => {
    const { sensorCommand } = await import('./sensor-command.js');
    process.exitCode = await sensorCommand(opts);
  });

program
  .command('simulate')
  .description('Write a synthetic hospital capture (pcapng) and its ground truth (JSON); no patient in it is real')
  .requiredOption('-o, --out <file.pcapng>', 'capture to write')
  .option('--truth <file.json>', 'ground truth to write (default: <out>.truth.json)')
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
  .command('demo', { hidden: true })
  .description('Analyse the bundled capture and print its summary (what `npm start` runs)')
  .action(async () => {
    const { demoCommand } = await import('./demo-command.js');
    process.exitCode = await demoCommand();
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
