/**
 * One error form for everything read from a Keras file: `<file>: <what>: <detail>`.
 * fflate and jsfive throw strings, TypeErrors and RangeErrors on bad input;
 * `guard` turns any of them into an Error that names the file and the part being read.
 */
export class KerasFileError extends Error {
  constructor(file: string, what: string, detail: string) {
    super(`${file}: ${what}: ${detail}`);
    this.name = 'Error';
  }
}

export function fail(file: string, what: string, detail: string): never {
  throw new KerasFileError(file, what, detail);
}

const detailOf = (e: unknown): string =>
  e instanceof Error ? `${e.constructor.name === 'Error' ? '' : `${e.constructor.name}: `}${e.message}` : String(e);

/** Run `fn`; any throw that is not already a KerasFileError becomes one. */
export function guard<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KerasFileError) throw e;
    throw new KerasFileError(file, what, `corrupt or unsupported data (${detailOf(e).slice(0, 200)})`);
  }
}
