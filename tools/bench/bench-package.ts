/**
 * The benchmark-size model package (bench-out/model/, not committed) that `npm run bench` and
 * `npm run bench:ort-heap` load, generated on demand.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelPackage, type PackageSizes, TINY_SIZES } from '../fixtures/package.ts';
import { repoRoot } from '../browser/session.ts';

/** Large enough that the LLM prefill dominates a one-token answer, small enough for 2 cores. */
export const BENCH_SIZES: PackageSizes = {
  ...TINY_SIZES,
  seed: 777,
  encoder: { ...TINY_SIZES.encoder, hiddenSize: 128, layers: 2, heads: 4 },
  llm: { hiddenSize: 512, layers: 4, heads: 8, kvHeads: 4, headDim: 64, intermediateSize: 1408, vocabSize: 4096, ropeTheta: 10000, maxPositions: 2048, logitsToKeepInput: true },
};

/** Where the package lives, and its URL path on the tools' dev server. */
export const BENCH_MODEL_DIR = join(repoRoot, 'bench-out/model');
export const BENCH_MODEL_URL = '/bench-out/model/';

/** Regenerates the package only when its sizes or the builder's code changed. */
export async function ensureBenchModel(): Promise<void> {
  const stamp = join(BENCH_MODEL_DIR, 'stamp.json');
  const builder = createHash('sha256');
  for (const dir of ['tools/fixtures', 'tools/onnx']) {
    for (const f of readdirSync(join(repoRoot, dir)).sort()) builder.update(readFileSync(join(repoRoot, dir, f)));
  }
  const want = JSON.stringify({ sizes: BENCH_SIZES, builder: builder.digest('hex') });
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === want) return;
  console.error('generating the benchmark model in bench-out/model ...');
  await generateModelPackage(BENCH_MODEL_DIR, BENCH_SIZES, 'bench-random');
  await writeFile(stamp, want);
}
