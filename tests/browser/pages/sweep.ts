// The sweep test page: runs the shared sweep module (src/eval/sweep.ts) on the tiny fixture model
// with two drawn scenes and returns its result and every progress event to Playwright; and runs
// whole experiments (src/eval/experiment.ts) on the shipped model and evaluation set.
import { AutoTokenizer, env } from '@huggingface/transformers';
import { MaskLlava } from '../../../src/client.ts';
import { loadEvalSet } from '../../../src/eval/dataset.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { type ExperimentConfig, runExperiment } from '../../../src/eval/experiment.ts';
import { summariseSweep } from '../../../src/eval/summary.ts';
import { runSweep, type SweepItem, type SweepProgress } from '../../../src/eval/sweep.ts';

const FIXTURE = '/tests/fixtures/generated/tiny/';

/** A square scene with `n` coloured squares; also returns their 64x64 instance masks. */
function scene(n: number): { image: ImageData; instances: ReturnType<typeof maskFromDense>[] } {
  const side = 256;
  const ctx = new OffscreenCanvas(side, side).getContext('2d')!;
  ctx.fillStyle = '#808080';
  ctx.fillRect(0, 0, side, side);
  const instances = [];
  for (let i = 0; i < n; i++) {
    const [x, y, s] = [16 + i * 72, 40 + (i % 2) * 96, 56];
    ctx.fillStyle = ['#d02020', '#2040d0', '#20b040'][i % 3]!;
    ctx.fillRect(x, y, s, s);
    const dense = new Uint8Array(64 * 64);
    for (let my = 0; my < 64; my++) for (let mx = 0; mx < 64; mx++) {
      const [px, py] = [(mx + 0.5) * 4, (my + 0.5) * 4];
      if (px >= x && px < x + s && py >= y && py < y + s) dense[my * 64 + mx] = 1;
    }
    instances.push(maskFromDense(dense, 64, 1));
  }
  return { image: ctx.getImageData(0, 0, side, side), instances };
}

declare global {
  interface Window {
    tinySweep(opts: { stopAfter?: number; device: 'wasm' | 'webgpu' }): Promise<unknown>;
    experiment(config: ExperimentConfig): Promise<unknown>;
    answerLogProb(opts: { evalSet: string; manifest: string; budget: number; limit: number; types: string[] }): Promise<{ questions: number; meanLogProb: number }>;
  }
}

window.tinySweep = async ({ stopAfter, device }) => {
  const model = await MaskLlava.load(FIXTURE, { device, cacheName: null });
  try {
    const items: SweepItem[] = [2, 3].map((n) => {
      const { image, instances } = scene(n);
      return {
        id: `scene-${n}`,
        image,
        instances,
        questions: [
          { id: `${n}/count`, question: 'How many squares are there?', answer: String(n), type: 'count' },
          { id: `${n}/exist`, question: 'Is there a red square?', answer: 'yes', type: 'exist' },
        ],
      };
    });
    const events: SweepProgress[] = [];
    const controller = new AbortController();
    const result = await runSweep({
      variants: [
        { name: 'three kinds', policy: 'balanced', model },
        { name: 'patch only', policy: 'patch-only', model },
      ],
      items,
      budgets: [57, 15],
      maxNewTokens: 3,
      signal: controller.signal,
      onProgress: (e) => {
        events.push(e);
        if (stopAfter !== undefined && e.status === 'answered' && e.done === stopAfter) controller.abort();
      },
    });
    return { result, events, rows: summariseSweep(result.records), modelName: model.manifest.name };
  } finally {
    await model.dispose();
  }
};
window.experiment = (config) => runExperiment(config);

/**
 * The mean log-probability the model gives the right answer's first token (prefill logits, WASM)
 * over the questions of `types` on the first `limit` scenes, each image encoded with automatic
 * masks and planned at `budget`. More sensitive than greedy correctness: it moves when the
 * visual tokens change the model's confidence without flipping its answers.
 */
window.answerLogProb = async ({ evalSet, manifest, budget, limit, types }) => {
  const items = (await loadEvalSet(evalSet)).slice(0, limit);
  const model = await MaskLlava.load(manifest, { device: 'wasm' });
  try {
    // The answer's first token by transformers.js's reading of the model's own tokenizer.
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = new URL('./', new URL(manifest, location.href)).pathname;
    const tokenizer = await AutoTokenizer.from_pretrained('llm');
    let sum = 0;
    let questions = 0;
    for (const item of items) {
      const img = await model.encode(item.image as string);
      const plan = img.plan({ budget });
      for (const q of item.questions.filter((x) => types.includes(x.type))) {
        const logits = await model.nextTokenLogits(img, q.question, { plan });
        const max = logits.reduce((m, v) => Math.max(m, v), -Infinity);
        const logZ = max + Math.log(logits.reduce((z, v) => z + Math.exp(v - max), 0));
        sum += logits[tokenizer.encode(q.answer, { add_special_tokens: false })[0]!]! - logZ;
        questions++;
      }
      img.release();
    }
    return { questions, meanLogProb: sum / questions };
  } finally {
    await model.dispose();
  }
};
document.title = 'ready';
