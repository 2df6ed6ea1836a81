/**
 * The plan as text and as the sequence the LLM sees: "1 CLS + 36 patch + 20 object = 57 of 145",
 * and one chip per visual token in layout order (CLS, patches row-major, objects in pruned order).
 */
import { maskColour, rgb } from './colours.ts';

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

/** What chip `i` of a plan with `patches` patch tokens shows: its kind, and for an object its mask id. */
function chipLook(c: TokenCounts, patches: number, i: number): { key: string; kind: string; mask?: number } {
  if (i < c.cls) return { key: 'cls', kind: 'cls' };
  if (i < c.cls + patches) return { key: 'patch', kind: 'patch' };
  const mask = c.objects[i - c.cls - patches]!;
  return { key: `object ${mask}`, kind: 'object', mask };
}

/** The tooltip of chip `i`. */
function chipTitle(c: TokenCounts, i: number): string {
  if (i < c.cls) return 'CLS: the global token';
  const [rows, cols] = c.grid;
  const p = i - c.cls;
  if (p < rows * cols) return `patch (${Math.floor(p / cols)}, ${p % cols}) of the ${rows}x${cols} pooled grid`;
  const o = p - rows * cols;
  return `object token ${o + 1}: mask ${c.objects[o]}`;
}

/**
 * One chip per token in a strip element. A slider step changes a few tokens at the end or shifts
 * the objects, and on a throttled phone every DOM read or write in a step counts: what each chip
 * shows is kept here, so a step writes only the chips whose look changed and reads none. Tooltips
 * are written when the pointer reaches a chip, not for every chip at every step.
 */
export class TokenStrip {
  readonly #el: HTMLElement;
  readonly #chips: HTMLSpanElement[] = [];
  readonly #keys: string[] = [];
  #counts: TokenCounts = { cls: 0, grid: [0, 0], objects: [] };

  constructor(el: HTMLElement) {
    this.#el = el;
    el.replaceChildren();
    el.addEventListener('mouseover', (e) => {
      const i = this.#chips.indexOf(e.target as HTMLSpanElement);
      if (i >= 0) this.#chips[i]!.title = chipTitle(this.#counts, i);
    });
  }

  /** Shows the chips of `c`. */
  show(c: TokenCounts): void {
    this.#counts = c;
    const patches = c.grid[0] * c.grid[1];
    const n = c.cls + patches + c.objects.length;
    const chips = this.#chips;
    while (chips.length > n) {
      chips.pop()!.remove();
      this.#keys.pop();
    }
    const added: HTMLSpanElement[] = [];
    while (chips.length < n) {
      added.push(chips[chips.push(document.createElement('span')) - 1]!);
      this.#keys.push('');
    }
    for (let i = 0; i < n; i++) {
      const { key, kind, mask } = chipLook(c, patches, i);
      if (this.#keys[i] === key) continue;
      this.#keys[i] = key;
      const el = chips[i]!;
      el.className = `chip ${kind}`;
      el.style.background = mask === undefined ? '' : rgb(maskColour(mask));
      el.removeAttribute('title');
    }
    this.#el.append(...added);
  }
}
