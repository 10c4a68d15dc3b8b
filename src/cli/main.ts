import { Command, InvalidArgumentError } from 'commander';
import { analyzeCommand } from './analyze-command.js';
import { demoCommand } from './demo-command.js';
import { sensorCommand } from './sensor-command.js';

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
  .option('-q, --quiet', 'print nothing but errors')
  .action(async (captures: string[], opts) => {
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
    process.exitCode = await sensorCommand(opts);
  });

program
  .command('demo', { hidden: true })
  .description('Analyse the bundled capture and print its summary (what `npm start` runs)')
  .action(async () => {
    process.exitCode = await demoCommand();
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
