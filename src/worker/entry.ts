/** The inference worker's entry point: exposes a {@link Dispatcher} over comlink. */
import * as Comlink from 'comlink';
import { Dispatcher } from './dispatcher.ts';
import { installErrorTransfer } from './protocol.ts';

// Held until this worker ends, however it ends: the host learns of an unexpected end from it.
if (self.name && typeof navigator.locks !== 'undefined') void navigator.locks.request(self.name, () => new Promise<never>(() => undefined));
installErrorTransfer();
Comlink.expose(new Dispatcher());
