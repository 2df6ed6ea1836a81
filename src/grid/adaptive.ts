/**
 * PyTorch `adaptive_avg_pool2d` cell bounds (docs/composition.md): output index `i` of `outSize`
 * over an input of `inSize` averages inputs `floor(i*in/out) .. ceil((i+1)*in/out) - 1`.
 */

/** Start (inclusive) of adaptive-pooling cell `i`. */
export function adaptiveStart(i: number, inSize: number, outSize: number): number {
  return Math.floor((i * inSize) / outSize);
}

/** End (exclusive) of adaptive-pooling cell `i`. */
export function adaptiveEnd(i: number, inSize: number, outSize: number): number {
  // Integer division is exact in doubles when it divides evenly, so ceil never overshoots.
  return Math.ceil(((i + 1) * inSize) / outSize);
}
