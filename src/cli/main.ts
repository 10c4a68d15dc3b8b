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
