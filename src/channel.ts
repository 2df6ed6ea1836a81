/**
 * A push-to-pull channel: a producer pushes values as they arrive (comlink callbacks from the
 * worker) and one consumer pulls them with `for await`. Values pushed before the consumer starts
 * are buffered; closing with an error makes the consumer throw it after the buffered values.
 */
export class Channel<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** Queues `value` for the consumer; ignored once the channel is closed. */
  push(value: T): void {
    if (this.#closed) return;
    this.#buffer.push(value);
    this.#notify();
  }

  /** Ends the stream, with `error` thrown to the consumer once the buffer is drained. Later closes are ignored. */
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#buffer.length > 0) {
        yield this.#buffer.shift()!;
        continue;
      }
      if (this.#closed) {
        if (this.#error) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
