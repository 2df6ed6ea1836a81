/** Row arithmetic over `N*dim` row-major feature matrices, shared by the reducers. */

/** Rows scaled to unit L2 norm (a zero row stays zero), as a new `N*dim` array. */
export function unitRows(x: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += x[i * dim + d]! ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let d = 0; d < dim; d++) out[i * dim + d] = x[i * dim + d]! * inv;
  }
  return out;
}

/** Dot product of row `i` of `a` and row `j` of `b`. */
export function dotRows(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[i * dim + d]! * b[j * dim + d]!;
  return s;
}

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b`. */
export function sqDistRows(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d]! - b[j * dim + d]!) ** 2;
  return s;
}

/** The rows of `x` at `ids` (in that order), as `ids.length*dim`. */
export function gatherRows(x: Float32Array, ids: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(ids.length * dim);
  ids.forEach((id, r) => out.set(x.subarray(id * dim, (id + 1) * dim), r * dim));
  return out;
}
