/**
 * Size bounds for arrays the library builds from user numbers. A typed array
 * above 2 GiB cannot live in WebAssembly's 32-bit memory and above 2^31 − 1
 * elements is past what JS engines index reliably; a request such as
 * `toCategorical([0, 1e9])` (8 GB) or `padSequences(…, { maxlen: 1e9 })` must
 * fail at once with the numbers, not after minutes of swapping.
 */

export const MAX_ELEMENTS = 2 ** 31 - 1;
export const MAX_BYTES = 2 ** 31;

/** Throw unless an output of `shape` with `bytesPerElement` fits both bounds. */
export function checkOutputSize(who: string, what: string, shape: readonly number[], bytesPerElement: number): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = n * bytesPerElement;
  if (n > MAX_ELEMENTS || bytes > MAX_BYTES) {
    throw new Error(`${who}: ${what} would have shape [${shape.join(', ')}] = ${n.toExponential(3)} elements (${(bytes / 2 ** 30).toFixed(1)} GiB); ` +
      `the limit is ${MAX_ELEMENTS} elements and 2 GiB per array`);
  }
}
