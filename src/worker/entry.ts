/** The inference worker's entry point: exposes a {@link Pipeline} over comlink. */
import * as Comlink from 'comlink';
import { Pipeline } from './pipeline.ts';
import { installErrorTransfer } from './protocol.ts';

installErrorTransfer();
Comlink.expose(new Pipeline());
