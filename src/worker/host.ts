/**
 * The main-thread end of the worker: starts it, wraps it with comlink, and turns a crash into a
 * WorkerCrashedError for every call in flight (comlink alone would leave them pending forever).
 * A crash is an uncaught error, an unreadable message, or the worker ending on its own (closed,
 * killed for memory): workers have no 'exit' event, so the worker holds a Web Lock for its whole
 * life and the host queues for the same lock, which is granted only once the worker is gone.
 */
import * as Comlink from 'comlink';
import { WorkerCrashedError, abortReason } from '../errors.ts';
import { type WorkerApi, installErrorTransfer } from './protocol.ts';

/** A running inference worker. */
export class WorkerHost {
  readonly remote: Comlink.Remote<WorkerApi>;
  readonly #worker: Worker;
  readonly #name = `mask-llava-web-${crypto.randomUUID()}`;
  readonly #pending = new Set<(err: Error) => void>();
  #crash: WorkerCrashedError | undefined;
  #terminated = false;

  constructor() {
    installErrorTransfer();
    this.#worker = new Worker(new URL('./entry.ts', import.meta.url), { type: 'module', name: this.#name });
    this.#worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.#fail(`the inference worker crashed: ${event.message || 'uncaught error'}`);
    });
    this.#worker.addEventListener('messageerror', () => this.#fail('the inference worker sent a message that could not be read'));
    this.remote = Comlink.wrap<WorkerApi>(this.#worker);
  }

  /**
   * Starts watching for the worker ending on its own. Call after the worker has answered once:
   * by then it holds its lifetime lock, so this request queues behind it.
   */
  watchLifetime(): void {
    void navigator.locks?.request(this.#name, () => this.#fail('the inference worker ended unexpectedly'));
  }

  /** The crash, once one happened. */
  get crash(): WorkerCrashedError | undefined {
    return this.#crash;
  }

  /**
   * Runs `call` on the worker; rejects with WorkerCrashedError if the worker dies first, and with
   * the signal's AbortError as soon as `signal` fires (after calling `onAbort`, which tells the
   * worker to stop).
   */
  call<T>(call: (remote: Comlink.Remote<WorkerApi>) => Promise<T>, signal?: AbortSignal, onAbort?: () => void): Promise<T> {
    if (this.#crash) return Promise.reject(this.#crash);
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        this.#pending.delete(reject);
        signal?.removeEventListener('abort', aborted);
      };
      const aborted = () => {
        settle();
        onAbort?.();
        reject(abortReason(signal!));
      };
      this.#pending.add(reject);
      signal?.addEventListener('abort', aborted, { once: true });
      call(this.remote).then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          const error = err instanceof Error ? err : new Error(String(err));
          // The worker reporting its own end (a lost GPU device) is a crash from now on: it throws
          // soon after, and a call sent before then would go to it and fail as well.
          if (error instanceof WorkerCrashedError) this.#end(error);
          reject(error);
        },
      );
    });
  }

  /** Ends the worker now; calls in flight reject with `reason`. */
  terminate(reason: Error): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#worker.terminate();
    for (const reject of [...this.#pending]) reject(reason);
    this.#pending.clear();
  }

  #fail(message: string): void {
    this.#end(new WorkerCrashedError(`${message}; the next call restarts it and reloads the model from the Cache API`));
  }

  /** Ends the worker as crashed with `crash`: calls in flight reject with it, the next call restarts. */
  #end(crash: WorkerCrashedError): void {
    if (this.#crash || this.#terminated) return;
    this.#crash = crash;
    this.terminate(crash);
  }
}
