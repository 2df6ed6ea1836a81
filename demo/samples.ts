/** The shipped sample scenes: read their index and show them as thumbnails to click. */

/** A question about a sample scene with its true answer. */
export interface SampleQuestion {
  question: string;
  answer: string;
}

/** One sample scene. */
export interface Sample {
  name: string;
  /** Absolute URL of the image. */
  url: string;
  /** Questions the scene's generator knows the answers to. */
  questions: SampleQuestion[];
}

/** Reads the samples index (a JSON list of scenes, paths relative to the index). */
export async function loadSamples(indexUrl: string): Promise<Sample[]> {
  const res = await fetch(indexUrl);
  if (!res.ok) throw new Error(`${indexUrl} answered HTTP ${res.status}`);
  const index = (await res.json()) as { samples?: Array<{ file: string; name?: string; questions?: SampleQuestion[] }> };
  return (index.samples ?? []).map((s) => ({ name: s.name ?? s.file, url: new URL(s.file, indexUrl).href, questions: s.questions ?? [] }));
}

/** Fetches a sample's image bytes. */
export async function fetchSample(sample: Sample): Promise<Blob> {
  const res = await fetch(sample.url);
  if (!res.ok) throw new Error(`${sample.url} answered HTTP ${res.status}`);
  return res.blob();
}

/**
 * Shows the samples as thumbnail buttons. `choose` shows a sample and resolves true once it is on
 * screen; only then is its thumbnail marked active.
 */
export function renderSamples(container: HTMLElement, samples: Sample[], choose: (s: Sample) => Promise<boolean>): (s: Sample) => Promise<void> {
  const buttons = new Map<Sample, HTMLButtonElement>();
  const pick = async (s: Sample): Promise<void> => {
    if (!(await choose(s))) return;
    for (const [sample, b] of buttons) b.classList.toggle('active', sample === s);
  };
  for (const s of samples) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'sample';
    b.title = s.name;
    b.setAttribute('aria-label', `Sample scene ${s.name}`);
    const img = document.createElement('img');
    img.src = s.url;
    img.alt = '';
    b.append(img);
    b.addEventListener('click', () => void pick(s));
    buttons.set(s, b);
  }
  container.replaceChildren(...buttons.values());
  return pick;
}
