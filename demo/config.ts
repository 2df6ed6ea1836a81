/**
 * What the demo page loads, read from its URL so the static build works from any host and path:
 * `?model=` (a manifest URL, absolute or relative to the page) picks another model, `?device=`
 * forces 'webgpu' or 'wasm' (any other value reaches MaskLlava.load(), whose typed error the page
 * shows). Without them the page loads the embedded default model that ships
 * next to it (`public/models/shapesworld/`, copied into the static build).
 */

/** Devices a visitor may force with `?device=`. */
export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';

/** The demo's settings, resolved to absolute URLs. */
export interface DemoConfig {
  /** Absolute URL of the model manifest. */
  modelUrl: string;
  /** Requested device, as the URL gave it. */
  device: DeviceChoice;
  /** Absolute URL of the sample scenes' index. */
  samplesUrl: string;
}

// Relative to the page: dev serves public/ at the root and the page at /demo/index.html, and the
// static build keeps the same layout (demo-dist/demo/index.html next to demo-dist/models/).
const DEFAULT_MODEL = '../models/shapesworld/manifest.json';
const SAMPLES_INDEX = '../samples/index.json';

/** Reads the demo's settings from a page URL. */
export function readConfig(href: string): DemoConfig {
  const url = new URL(href);
  const model = url.searchParams.get('model');
  const device = url.searchParams.get('device');
  return {
    modelUrl: new URL(model ?? DEFAULT_MODEL, url).href,
    // Not checked here: an unknown value must fail loudly, not run 'auto'.
    device: (device ?? 'auto') as DeviceChoice,
    samplesUrl: new URL(SAMPLES_INDEX, url).href,
  };
}
