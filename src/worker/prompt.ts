/**
 * Prompt assembly with the model's own tokenizer and chat template, the way transformers.js's
 * `apply_chat_template` does it (same @huggingface/tokenizers and @huggingface/jinja underneath),
 * built from the fetched JSON with no network.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { InvalidArgumentError, ManifestError } from '../errors.ts';
import type { ModelManifest } from '../models/manifest.ts';

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/** A tokenized prompt: ids with exactly one image placeholder at `imageIndex`. */
export interface PromptIds {
  /** Token ids of the rendered chat prompt, placeholder included. */
  ids: number[];
  /** Position of the image placeholder in `ids`. */
  imageIndex: number;
}

/** Tokenizer plus chat template of a model. */
export class PromptBuilder {
  readonly #tokenizer: Tokenizer;
  readonly #template: Template;
  readonly #specialTokens: Record<string, string>;
  readonly #imageToken: string;
  readonly #imageTokenId: number;
  readonly #systemPrompt: string | undefined;

  constructor(tokenizerJson: object, tokenizerConfig: Record<string, unknown>, prompt: ModelManifest['prompt']) {
    this.#tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    const template = tokenizerConfig['chat_template'];
    if (typeof template !== 'string') {
      throw new ManifestError('tokenizer_config.json has no chat_template string; add the chat template the model was trained with', {
        field: 'chat_template',
      });
    }
    this.#template = new Template(template);
    this.#specialTokens = {};
    for (const key of SPECIAL_TOKEN_KEYS) {
      const value = tokenizerConfig[key];
      const token = typeof value === 'object' && value !== null ? (value as { content?: unknown }).content : value;
      if (typeof token === 'string' && token) this.#specialTokens[key] = token;
    }
    this.#imageToken = prompt.imageToken;
    const id = this.#tokenizer.token_to_id(prompt.imageToken);
    if (id === undefined) {
      throw new ManifestError(`prompt.imageToken ${JSON.stringify(prompt.imageToken)} is not a token of tokenizer.json; add it as a special token`, {
        field: 'prompt.imageToken',
      });
    }
    this.#imageTokenId = id;
    this.#systemPrompt = prompt.systemPrompt;
  }

  /**
   * Renders the chat template for one user turn, `imageToken + "\n" + question` (the LLaVA-1.5
   * layout: image first, then the question), and tokenizes it without adding special tokens (the
   * template holds them).
   */
  encode(question: string): PromptIds {
    if (typeof question !== 'string') {
      throw new InvalidArgumentError(`prompt must be a string, got ${typeof question}; pass the question text`);
    }
    if (question.includes(this.#imageToken)) {
      throw new InvalidArgumentError(`prompt must not contain the image token ${this.#imageToken}; the SDK inserts it once`);
    }
    const messages = [
      ...(this.#systemPrompt ? [{ role: 'system', content: this.#systemPrompt }] : []),
      { role: 'user', content: `${this.#imageToken}\n${question}` },
    ];
    const text = this.#template.render({ messages, add_generation_prompt: true, ...this.#specialTokens });
    const ids = this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
    const imageIndex = ids.indexOf(this.#imageTokenId);
    if (imageIndex < 0 || ids.indexOf(this.#imageTokenId, imageIndex + 1) >= 0) {
      throw new ManifestError('the chat template must place the user message (with the image token) exactly once; check chat_template', {
        field: 'chat_template',
      });
    }
    return { ids, imageIndex };
  }

  /** Decodes generated ids to text, without special tokens. */
  decode(ids: readonly number[]): string {
    return this.#tokenizer.decode([...ids], { skip_special_tokens: true });
  }
}
