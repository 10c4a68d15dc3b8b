/**
 * A progress bar on a terminal (bytes read, packets per second); nothing when not a TTY. The bar
 * library is loaded only when a terminal will show it.
 */
export async function captureProgress(label: string, packets: () => number): Promise<{
  update: (position: number, total: number) => void;
  stop: () => void;
}> {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} |{bar}| {percentage}% {mib}/{totalMib} MiB | {packets} packets | {rate} packets/s`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let shown = false;
  return {
    update(position, total) {
      const n = packets();
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      const payload = {
        mib: (position / 1048576).toFixed(1),
        totalMib: total > 0 ? (total / 1048576).toFixed(1) : '?',
        packets: n,
        rate: Math.round(n / secs),
      };
      if (!shown) {
        bar.start(total > 0 ? total : position, position, payload);
        shown = true;
      } else {
        if (total <= 0) bar.setTotal(position);
        bar.update(position, payload);
      }
    },
    stop() {
      if (shown) bar.stop();
    },
  };
}
