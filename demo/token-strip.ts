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

/** Replaces `strip`'s children with one chip per token. */
export function renderStrip(strip: HTMLElement, c: TokenCounts): void {
  const chips: HTMLElement[] = [];
  const chip = (kind: string, colour: string, title: string): void => {
    const el = document.createElement('span');
    el.className = `chip ${kind}`;
    el.style.background = colour;
    el.title = title;
    chips.push(el);
  };
  for (let i = 0; i < c.cls; i++) chip('cls', rgb(CLS_COLOUR), 'CLS: the global token');
  const [rows, cols] = c.grid;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) chip('patch', rgb(PATCH_COLOUR), `patch (${r}, ${k}) of the ${rows}x${cols} pooled grid`);
  }
  c.objects.forEach((id, i) => chip('object', rgb(maskColour(id)), `object token ${i + 1}: mask ${id}`));
  strip.replaceChildren(...chips);
}
