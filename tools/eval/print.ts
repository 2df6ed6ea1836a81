/** The console report of a sweep, shared by `npm run sweep` and `npm run sweep:merge`. */
import type { ExperimentResult } from '../../src/eval/experiment.ts';
import { sweepTable } from '../../src/eval/summary.ts';

/** Prints what ran, the accuracy/latency table, mask quality and the sweep's wall time. */
export function printExperiment(result: ExperimentResult, browser: string): void {
  const shard = result.config.shard ? ` (shard ${result.config.shard.index}/${result.config.shard.count})` : '';
  const models = result.config.models.map((m) => m.url).join(', ');
  console.log(`${models} on ${result.config.evalSet}${shard}: ${result.images} images, ${result.questions} questions; ${result.device}, ${result.numThreads} threads, ${browser}`);
  console.log(sweepTable(result.rows));
  for (const q of result.sweep.maskQuality) {
    console.log(`mask quality (${q.model}): mean best IoU ${q.meanBestIoU.toFixed(3)} over ${q.objects} objects, ${q.proposalsPerImage.toFixed(1)} proposals per image`);
  }
  console.log(`sweep ${(result.sweepMs / 1000).toFixed(1)} s`);
}
