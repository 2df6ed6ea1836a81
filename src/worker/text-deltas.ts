/**
 * Streaming detokenisation: turns generated token ids into text deltas. The whole answer is
 * re-decoded each step (a token's text can depend on its neighbours), and a trailing U+FFFD is
 * held back while it may be the start of a multi-byte character split across byte tokens.
 */

/** UTF-8 characters span at most 4 bytes, so at most 3 tokens can end inside one. */
const MAX_HELD = 3;

/** Accumulates token ids and yields the text each one adds. */
export class TextDeltas {
  readonly #decode: (ids: readonly number[]) => string;
  readonly #ids: number[] = [];
  #emitted = '';
  #held = 0;

  constructor(decode: (ids: readonly number[]) => string) {
    this.#decode = decode;
  }

  /** Adds a token; returns the new text ('' while a partial character is held back). */
  push(id: number): string {
    this.#ids.push(id);
    const text = this.#decode(this.#ids);
    if (text.endsWith('\uFFFD') && this.#held < MAX_HELD) {
      this.#held++;
      return '';
    }
    this.#held = 0;
    return this.#advance(text);
  }

  /** Returns whatever is still held back; call once at the end. */
  flush(): string {
    return this.#advance(this.#decode(this.#ids));
  }

  /** Text emitted so far. */
  get text(): string {
    return this.#emitted;
  }

  #advance(text: string): string {
    // Emitted text cannot be taken back; if a held character resolved differently, keep going from
    // the emitted length (only byte sequences that were never valid UTF-8 can do this).
    const delta = text.length > this.#emitted.length ? text.slice(this.#emitted.length) : '';
    this.#emitted += delta;
    return delta;
  }
}
