/**
 * Asking questions: streams each answer into its own panel as text (textContent, never HTML),
 * with a stop button and the run's timings. Compare mode asks twice, with every token and with
 * the budget, and shows the two answers side by side.
 */
import { type EncodedImage, type GenerateUsage, type MaskLlava, type TokenPlan, isCorrect } from 'mask-llava-web';
import { errorMessage, formatMs } from './format.ts';

// ShapesWorld answers are a few words; a cap keeps a confused model from rambling.
const MAX_NEW_TOKENS = 64;

/** One answer to produce: a title and the plan it uses. */
export interface AnswerRun {
  title: string;
  plan: TokenPlan;
}

interface Panel {
  root: HTMLElement;
  text: HTMLElement;
  meta: HTMLElement;
}

/** Streams answers into `container`; one question at a time. */
export class AnswerPanel {
  readonly #container: HTMLElement;
  #controller: AbortController | null = null;

  constructor(container: HTMLElement) {
    this.#container = container;
  }

  /** Stops the answer being streamed, if any. */
  stop(): void {
    this.#controller?.abort();
  }

  /**
   * Asks `question` once per run, one after the other, each into its own panel. With `expected`
   * (the scene generator's answer), each panel says whether the model got it right.
   */
  async ask(vlm: MaskLlava, image: EncodedImage, question: string, runs: AnswerRun[], expected?: string): Promise<void> {
    this.stop();
    const controller = new AbortController();
    this.#controller = controller;
    const panels = runs.map((run) => panel(run.title, expected));
    this.#container.replaceChildren(...panels.map((p) => p.root));
    this.#container.classList.toggle('compare', runs.length > 1);
    const usages: GenerateUsage[] = [];
    try {
      for (const [i, run] of runs.entries()) {
        const p = panels[i]!;
        if (controller.signal.aborted) {
          p.meta.textContent = 'stopped';
          continue;
        }
        p.root.classList.add('streaming');
        try {
          const answer = vlm.generate(image, question, { plan: run.plan, maxNewTokens: MAX_NEW_TOKENS, signal: controller.signal });
          let text = '';
          for await (const delta of answer) {
            text += delta;
            p.text.textContent = text.trimStart();
          }
          const usage = await answer.usage;
          usages.push(usage);
          p.meta.textContent = describeUsage(usage);
          if (expected !== undefined) p.root.dataset.verdict = isCorrect(text, expected) ? 'right' : 'wrong';
        } catch (err) {
          if (err instanceof DOMException && err.name === 'AbortError') p.meta.textContent = 'stopped';
          else {
            p.meta.textContent = errorMessage(err);
            p.root.classList.add('failed');
          }
        } finally {
          p.root.classList.remove('streaming');
        }
      }
      const [full, budget] = usages;
      if (runs.length === 2 && full && budget) {
        const ratio = full.timings.prefillMs / Math.max(budget.timings.prefillMs, 1e-3);
        panels[1]!.meta.textContent += ` · prefill ${ratio.toFixed(1)}x faster than with all tokens`;
      }
    } finally {
      if (this.#controller === controller) this.#controller = null;
    }
  }
}

function panel(title: string, expected: string | undefined): Panel {
  const root = document.createElement('article');
  root.className = 'answer';
  const head = document.createElement('header');
  const h = document.createElement('h3');
  h.textContent = title;
  head.append(h);
  if (expected !== undefined) {
    const truth = document.createElement('span');
    truth.className = 'expected';
    truth.textContent = `expected: ${expected}`;
    head.append(truth);
  }
  const text = document.createElement('p');
  text.className = 'answer-text';
  text.setAttribute('aria-live', 'polite');
  const meta = document.createElement('p');
  meta.className = 'answer-meta';
  root.append(head, text, meta);
  return { root, text, meta };
}

/** "encode 40 ms · segment 310 ms · prefill 12 ms (80 tokens) · 9 tokens generated at 85.2 tokens/s". */
function describeUsage(u: GenerateUsage): string {
  const t = u.timings;
  const n = u.generatedTokens;
  // The decode rate counts tokens after the first (the first comes from the prefill).
  const rate = n > 1 ? ` at ${t.decodeTokensPerSecond.toFixed(1)} tokens/s` : '';
  return [
    `encode ${formatMs(t.encodeMs)}`,
    `segment ${formatMs(t.segmentMs)}`,
    `prefill ${formatMs(t.prefillMs)} (${u.prefillTokens} tokens)`,
    `${n} token${n === 1 ? '' : 's'} generated${rate}`,
  ].join(' · ');
}
