/**
 * The arguments of `MaskLlava.load()` checked and resolved on the main thread: a model URL or Hub
 * repo ids become the worker's {@link ModelSource}, and option values that would otherwise be
 * ignored silently (an unknown device ran WASM) are rejected before a worker starts.
 */
import type { HubLoadOptions, LoadOptions } from './client-options.ts';
import { InvalidArgumentError } from './errors.ts';
import { checkRepoId, hubLocation } from './models/hub-location.ts';
import { checkInteger, describeValue } from './validate.ts';
import type { DevicePreference, ModelSource } from './worker/protocol.ts';

const DEVICES: readonly DevicePreference[] = ['auto', 'webgpu', 'wasm'];

/**
 * The model `source` names and the load options in force: `options` for a model URL, the source
 * object itself for Hub repo ids (it carries the options). `pageUrl` resolves relative URLs.
 */
export function resolveLoadArguments(source: string | HubLoadOptions, options: LoadOptions, pageUrl: string): { model: ModelSource; options: LoadOptions } {
  let model: ModelSource;
  if (typeof source === 'string') {
    if (!source) throw new InvalidArgumentError('modelUrl must be the URL of a model folder, e.g. "/models/shapesworld/"');
    model = { kind: 'manifest', url: new URL(source, pageUrl).href };
  } else if (typeof source === 'object' && source !== null) {
    const { vlm, segmenter, dtype, revision, host, pathTemplate } = source;
    checkRepoId(vlm, 'vlm');
    checkRepoId(segmenter, 'segmenter');
    // Resolved here: a relative host means the page's location, which the worker does not have.
    const loc = hubLocation({ host, pathTemplate, revision }, pageUrl);
    model = { kind: 'hub', vlm, segmenter, dtype, revision: loc.revision, host: loc.host, pathTemplate: loc.pathTemplate };
    options = source;
  } else {
    throw new InvalidArgumentError('pass a model URL, or { vlm, segmenter } repo ids of published models');
  }
  checkLoadOptions(options);
  return { model, options };
}

function checkLoadOptions({ device, numThreads, cacheName }: LoadOptions): void {
  if (device !== undefined && !DEVICES.includes(device)) {
    throw new InvalidArgumentError(`device must be one of ${DEVICES.map((d) => `'${d}'`).join(', ')}, got ${JSON.stringify(device)}`, { device });
  }
  if (numThreads !== undefined) checkInteger('numThreads', numThreads, 1);
  if (cacheName !== undefined && cacheName !== null && (typeof cacheName !== 'string' || !cacheName)) {
    throw new InvalidArgumentError(`cacheName must be a non-empty string, or null to turn caching off, got ${describeValue(cacheName)}`, { cacheName });
  }
}
