/**
 * The plan as text and as the sequence the LLM sees: "1 CLS + 36 patch + 20 object = 57 of 145",
 * and one chip per visual token in layout order (CLS, patches row-major, objects in pruned order).
 */
import { CLS_COLOUR, PATCH_COLOUR, maskColour, rgb } from './colours.ts';

/** Token counts of a plan, by kind. */
export interface TokenCounts {
  cls: number;
  /** Pooled patch grid [rows, cols]. */
  grid: [number, number];
  /** Mask ids of the object tokens, in token order. */
  objects: readonly number[];
}

/** "1 CLS + 36 patch + 20 object = 57 of 145". */
export function breakdownText(c: TokenCounts, of: number): string {
  const patches = c.grid[0] * c.grid[1];
  const total = c.cls + patches + c.objects.length;
  return `${c.cls} CLS + ${patches} patch + ${c.objects.length} object = ${total} of ${of}`;
}

/**
 * Shows one chip per token in `strip`. A slider step changes a few tokens at the end or shifts the
 * objects: chips are reused in place and only those whose kind, colour or title changed are
 * touched, so a step costs a few style writes, not a rebuilt strip and its layout.
 */
export function renderStrip(strip: HTMLElement, c: TokenCounts): void {
  const want: Array<[kind: string, colour: string, title: string]> = [];
  for (let i = 0; i < c.cls; i++) want.push(['cls', rgb(CLS_COLOUR), 'CLS: the global token']);
  const [rows, cols] = c.grid;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) want.push(['patch', rgb(PATCH_COLOUR), `patch (${r}, ${k}) of the ${rows}x${cols} pooled grid`]);
  }
  c.objects.forEach((id, i) => want.push(['object', rgb(maskColour(id)), `object token ${i + 1}: mask ${id}`]));
  const chips = strip.children;
  while (chips.length > want.length) strip.lastElementChild!.remove();
  const added: HTMLElement[] = [];
  want.forEach(([kind, colour, title], i) => {
    const el = (chips[i] as HTMLElement | undefined) ?? added[added.push(document.createElement('span')) - 1]!;
    const className = `chip ${kind}`;
    if (el.className !== className) el.className = className;
    // Compared with what was set, not with the style (which the browser reserialises).
    if (el.dataset.colour !== colour) {
      el.dataset.colour = colour;
      el.style.background = colour;
    }
    if (el.title !== title) el.title = title;
  });
  strip.append(...added);
}
