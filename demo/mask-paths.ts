/**
 * A mask as SVG path data in mask pixels (the overlay's SVG has the M x M mask frame as its
 * viewBox, so the browser scales it to any canvas size): its inside as one rectangle per
 * horizontal run, its pixel-boundary outline as merged straight lines, and its centroid, where its
 * label goes. No DOM: Node tests check it.
 */
import type { BitMask } from 'mask-llava-web';

export interface MaskPaths {
  /** Path data of the inside pixels (one `M x y h w v 1 h -w z` per run). */
  fill: string;
  /** Path data of the boundary between inside and outside pixels (horizontal and vertical lines). */
  outline: string;
  /** Centroid of the inside pixels in mask pixels; the frame's centre for an empty mask. */
  centre: [number, number];
}

export function maskPaths(mask: BitMask): MaskPaths {
  const m = mask.size;
  // Only the mask's box holds inside pixels: it is copied with a border of outside pixels, so
  // that a pixel's neighbours need no bounds checks (this runs for every mask of a new image).
  const [bx0, by0, bx1, by1] = mask.bbox;
  const [w, h] = [bx1 - bx0, by1 - by0];
  const W = w + 2;
  const box = new Uint8Array(W * (h + 2));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (by0 + y) * m + bx0 + x;
      box[(y + 1) * W + x + 1] = (mask.bits[i >>> 5]! >>> (i & 31)) & 1;
    }
  }
  let fill = '';
  let cx = 0;
  let cy = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    const row = (y + 1) * W + 1;
    for (let x = 0; x < w; ) {
      if (!box[row + x]) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < w && box[row + x]) x++;
      const run = x - x0;
      fill += `M${bx0 + x0} ${by0 + y}h${run}v1h${-run}z`;
      cx += (bx0 + (x0 + x) / 2) * run;
      cy += (by0 + y + 0.5) * run;
      n += run;
    }
  }
  // A unit edge lies on the line between two pixels that differ; runs of them become one line.
  let outline = '';
  for (let line = 0; line <= h; line++) {
    const below = (line + 1) * W + 1;
    const above = line * W + 1;
    for (let x = 0; x < w; ) {
      if (box[below + x] === box[above + x]) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < w && box[below + x] !== box[above + x]) x++;
      outline += `M${bx0 + x0} ${by0 + line}H${bx0 + x}`;
    }
  }
  for (let line = 0; line <= w; line++) {
    for (let y = 0; y < h; ) {
      const at = (y + 1) * W + line;
      if (box[at + 1] === box[at]) {
        y++;
        continue;
      }
      const y0 = y;
      while (y < h && box[(y + 1) * W + line + 1] !== box[(y + 1) * W + line]) y++;
      outline += `M${bx0 + line} ${by0 + y0}V${by0 + y}`;
    }
  }
  return { fill, outline, centre: n > 0 ? [cx / n, cy / n] : [m / 2, m / 2] };
}
