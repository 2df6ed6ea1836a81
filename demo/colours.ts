/** The demo's colour code for object tokens, shared by the overlay and the token strip (CLS and patch colours are CSS variables in style.css). */

/** RGB triple, 0..255. */
export type Rgb = [number, number, number];

/** A distinct, stable colour per mask id: hues spaced by the golden angle. */
export function maskColour(id: number): Rgb {
  return hslToRgb((id * 137.508 + 330) % 360, 0.72, 0.55);
}

/** CSS colour string for an RGB triple. */
export function rgb([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}
