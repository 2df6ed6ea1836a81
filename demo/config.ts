/**
 * What the demo page loads, read from its URL so the static build works from any host and path:
 * `?pick=` chooses an entry of the model picker (demo/catalog.ts), `?model=` (a manifest URL,
 * absolute or relative to the page) loads any other package, `?host=` points published repos at
 * a mirror of the Hub, and `?device=` forces 'webgpu' or 'wasm' (any other value reaches
 * MaskLlava.load(), whose typed error the page shows). Without them the page loads the embedded
 * default model that ships next to it (`public/models/shapesworld/`).
 */
import { DEMO_MODELS, type DemoModel } from './catalog.ts';

/** The demo's settings, resolved to absolute URLs. */
export interface DemoConfig {
  /** The picker entry (undefined for a `?model=` URL). */
  pick: DemoModel | undefined;
  /** What to load: a manifest URL, or published repos with the host to fetch them from. */
  source: { manifestUrl: string } | { vlm: string; segmenter: string; host: string | undefined };
  /** The device as asked in the URL (`?device=`), passed to the SDK, which rejects unknown values. */
  device: string;
  /** Absolute URL of the sample scenes' index. */
  samplesUrl: string;
}

// Relative to the page: dev serves public/ at the root and the page at /demo/index.html, and the
// static build keeps the same layout (demo-dist/demo/index.html next to demo-dist/models/).
const SITE_ROOT = '../';
const SAMPLES_INDEX = '../samples/index.json';

/** Reads the demo's settings from a page URL. */
export function readConfig(href: string): DemoConfig {
  const url = new URL(href);
  const model = url.searchParams.get('model');
  const pickId = url.searchParams.get('pick');
  const pick = model ? undefined : (DEMO_MODELS.find((m) => m.id === pickId) ?? DEMO_MODELS[0]!);
  const host = url.searchParams.get('host');
  let source: DemoConfig['source'];
  if (model) source = { manifestUrl: new URL(model, url).href };
  else if ('manifest' in pick!.source) source = { manifestUrl: new URL(SITE_ROOT + pick!.source.manifest, url).href };
  else source = { ...pick!.source, host: host ? new URL(host, url).href : undefined };
  return { pick, source, device: url.searchParams.get('device') ?? 'auto', samplesUrl: new URL(SAMPLES_INDEX, url).href };
}
