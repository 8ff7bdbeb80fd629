/** A progress bar on a terminal (cli-progress); periodic log lines when output is not a terminal. */
import cliProgress from 'cli-progress';
import type { Logger } from '../platform/logger.js';
import type { ImportProgress } from '../hierarchy/import.js';

export function importProgressReporter(log: Logger, label: string) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {stage} | {value}/{total} MB`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p: ImportProgress) {
        const done = Math.round(p.bytesDone / 1e5) / 10;
        const total = Math.round(p.bytesTotal / 1e5) / 10;
        if (!started) {
          bar.start(total, 0, { stage: p.stage });
          started = true;
        }
        bar.update(done, { stage: p.stage });
      },
      finish: () => started && bar.stop(),
    };
  }
  let lastStage = '';
  return {
    update(p: ImportProgress) {
      if (p.stage !== lastStage) {
        lastStage = p.stage;
        log.info({ stage: p.stage, percent: Math.round((100 * p.bytesDone) / p.bytesTotal) }, `${label}: ${p.stage}`);
      }
    },
    finish: () => {},
  };
}
