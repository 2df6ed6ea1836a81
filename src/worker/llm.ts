/**
 * The language model: token embedder + decoder with KV cache (transformers.js's ONNX layout).
 * Prefill takes ready-made inputs_embeds (text rows with the visual tokens spliced in); decode
 * steps feed back present.* as past_key_values, kept on the GPU under WebGPU.
 */
import { SessionError } from '../errors.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { cpuTensor, type ort, runSession } from './backend.ts';
import { emptyInput, floatInput, readFloats } from './tensors.ts';
import type { Device } from './protocol.ts';
import type { Random } from '../numeric.ts';
import { type SamplingOptions, sampleToken } from './sampling.ts';
import { yieldToEventLoop } from './yield.ts';

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/** What one generation did, for usage reporting. */
export interface DecodeStats {
  /** Sequence length of the prefill (text tokens + visual tokens). */
  prefillTokens: number;
  /** Generated token ids, stop token excluded. */
  tokens: number[];
  /** Why generation ended. */
  stopReason: 'eos' | 'length';
  /** Wall time of the prefill run, ms. */
  prefillMs: number;
  /** Wall time of all decode steps after the prefill, ms. */
  decodeMs: number;
}

/** Inputs of one generation. */
export interface DecodeRequest {
  /** Prefill inputs_embeds, row-major `[length, hiddenSize]`. */
  embeds: Float32Array;
  /** Maximum number of new tokens. */
  maxNewTokens: number;
  sampling: SamplingOptions;
  random: Random;
  /** Checked before every decoder run: abort lands within one step. */
  signal: AbortSignal;
  /** Called with each accepted token id, before the next step runs. */
  onToken: (id: number) => void;
  /** Receives the prefill's last-position logits (for scoring and cross-device checks). */
  onPrefillLogits?: (logits: Float32Array) => void;
}

/** Embedder + decoder sessions of a model. */
export class LanguageModel {
  readonly #pastNames: string[];
  readonly #hasPositionIds: boolean;
  readonly #hasLogitsToKeep: boolean;
  readonly #hasCacheBranch: boolean;
  readonly #embedOutput: string;
  readonly #eos: Set<number>;

  constructor(
    readonly embedder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
    readonly manifest: ModelManifest,
    readonly device: Device,
  ) {
    this.#pastNames = decoder.inputNames.filter((n) => PAST.test(n));
    this.#hasPositionIds = decoder.inputNames.includes('position_ids');
    this.#hasLogitsToKeep = decoder.inputNames.includes('num_logits_to_keep');
    this.#hasCacheBranch = decoder.inputNames.includes('use_cache_branch');
    this.#embedOutput = embedder.outputNames[0] ?? 'inputs_embeds';
    this.#eos = new Set(manifest.prompt.eosTokenIds);
    if (this.#pastNames.length !== 2 * manifest.llm.numLayers) {
      throw new SessionError(
        `the decoder has ${this.#pastNames.length} past_key_values inputs but the manifest says ${manifest.llm.numLayers} layers (2 each); fix llm.numLayers`,
        { inputs: decoder.inputNames },
      );
    }
  }

  /** Names of the outputs that should stay on the GPU: the whole KV cache. */
  static presentNames(numLayers: number): string[] {
    return Array.from({ length: numLayers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat();
  }

  /** Embeds token ids: returns row-major `[ids.length, hiddenSize]`. */
  async embed(ids: readonly number[]): Promise<Float32Array> {
    const input = cpuTensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const out = await runSession('embed_tokens', this.embedder, { [this.embedder.inputNames[0] ?? 'input_ids']: input });
    return readFloats(out[this.#embedOutput]!);
  }

  /** Prefills `req.embeds`, then decodes until a stop token, `maxNewTokens`, or abort. */
  async generate(req: DecodeRequest): Promise<DecodeStats> {
    const { hiddenSize, numKeyValueHeads, headDim } = this.manifest.llm;
    const length = req.embeds.length / hiddenSize;
    let past: Record<string, ort.Tensor> = {};
    for (const name of this.#pastNames) {
      // Typed as the decoder declares its cache: float16 for fp16/q4f16 exports.
      past[name] = emptyInput(this.decoder, name, [1, numKeyValueHeads, 0, headDim]);
    }
    const stats: DecodeStats = { prefillTokens: length, tokens: [], stopReason: 'length', prefillMs: 0, decodeMs: 0 };
    try {
      let embeds = req.embeds;
      let position = 0;
      while (stats.tokens.length < req.maxNewTokens) {
        await yieldToEventLoop();
        req.signal.throwIfAborted();
        const rows = embeds.length / hiddenSize;
        const start = performance.now();
        const { logits, present } = await this.#step(embeds, rows, position, past);
        if (position === 0) {
          stats.prefillMs = performance.now() - start;
          req.onPrefillLogits?.(logits.slice());
        } else {
          stats.decodeMs += performance.now() - start;
        }
        disposeAll(past);
        past = present;
        position += rows;
        const next = sampleToken(logits, req.sampling, req.random);
        if (this.#eos.has(next)) {
          stats.stopReason = 'eos';
          break;
        }
        stats.tokens.push(next);
        req.onToken(next);
        if (stats.tokens.length >= req.maxNewTokens) break;
        const t0 = performance.now();
        embeds = await this.embed([next]);
        stats.decodeMs += performance.now() - t0;
      }
      return stats;
    } finally {
      disposeAll(past);
    }
  }

  /** One decoder run over `rows` new positions; returns last-position logits and the new cache. */
  async #step(
    embeds: Float32Array,
    rows: number,
    position: number,
    past: Record<string, ort.Tensor>,
  ): Promise<{ logits: Float32Array; present: Record<string, ort.Tensor> }> {
    const { hiddenSize, vocabSize } = this.manifest.llm;
    const total = position + rows;
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: floatInput(this.decoder, 'inputs_embeds', embeds, [1, rows, hiddenSize]),
      attention_mask: cpuTensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...past,
    };
    if (this.#hasPositionIds) {
      const positions = BigInt64Array.from({ length: rows }, (_, i) => BigInt(position + i));
      feeds['position_ids'] = cpuTensor('int64', positions, [1, rows]);
    }
    // Exports with num_logits_to_keep compute logits for the last position only (a prefill of
    // hundreds of positions would otherwise produce hundreds of vocabulary-sized rows).
    if (this.#hasLogitsToKeep) feeds['num_logits_to_keep'] = cpuTensor('int64', BigInt64Array.of(1n), []);
    // Older merged exports switch between their no-cache and cache branches on this flag.
    if (this.#hasCacheBranch) feeds['use_cache_branch'] = cpuTensor('bool', Uint8Array.of(position > 0 ? 1 : 0), [1]);
    const out = await runSession('decoder', this.decoder, feeds);
    const present: Record<string, ort.Tensor> = {};
    for (const name of this.#pastNames) {
      const [, layer, kind] = PAST.exec(name)!;
      const tensor = out[`present.${layer}.${kind}`];
      if (!tensor) throw new SessionError(`the decoder has no output present.${layer}.${kind}; export it with its KV cache outputs`);
      present[name] = tensor;
    }
    const logitsTensor = out['logits'];
    if (!logitsTensor) throw new SessionError('the decoder has no logits output; export it with a "logits" output');
    // Exports that keep only the last position return [1, 1, V]; full ones return [1, rows, V].
    const all = await readFloats(logitsTensor);
    const logits = all.slice(all.length - vocabSize);
    return { logits, present };
  }
}

function disposeAll(tensors: Record<string, ort.Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}
