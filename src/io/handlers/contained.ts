/**
 * Contained file access: the ONE way a loader reads a file named by a model file.
 *
 *   readContained(folder, relPath, { where, expectedBytes?, maxBytes? }): Promise<Uint8Array>
 *   sizeContained(folder, relPath, { where }): Promise<number>
 *   nodeModules(): Promise<{ fs, path, constants }>   (lazy, so browsers can load this module)
 *
 *   folder         the model's folder (the directory of model.json, of a .keras file, ...)
 *   relPath        a path written in the file (manifest shard path, Keras member, ...)
 *   where          names the file and field that asked, e.g. `/m/model.json weightsManifest[0].paths[1]`
 *   what           what the file is, for messages (default 'file'; e.g. 'weight shard')
 *   expectedBytes  the size the file must have (what the manifest says), checked before reading
 *   maxBytes       an upper bound where the exact size is not declared (model.json itself)
 *
 * Rules (DESIGN.md "Files are untrusted"): relPath must be relative; it must resolve inside
 * `folder` both as written and after realpath (so a symlink pointing out counts as out);
 * only regular files are read (no FIFO, device, socket or directory: /dev/zero or a FIFO
 * would never end); the size comes from fstat on the opened descriptor and is checked before
 * a byte is read, and exactly that many bytes are read. A rejected path is never stat'ed,
 * so errors cannot reveal anything about files outside the folder. Every failure is an Error
 * naming `where`, the path, what was expected and what was found.
 */
import { platform } from '#platform';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type Constants = typeof import('node:fs').constants;

export async function nodeModules(): Promise<{ fs: Fs; path: Path; constants: Constants }> {
  // '#platform' is the browser stub under bundlers' `browser` condition (it throws saying what to use
  // instead), so no node: import is reachable from a browser bundle
  const { fs, path } = await platform.nodeFiles();
  return { fs, path, constants: fs.constants };
}

export interface ContainedOptions {
  where: string;
  what?: string;
  expectedBytes?: number;
  maxBytes?: number;
}

function inside(path: Path, root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith('..' + path.sep) && !path.isAbsolute(r));
}

function fsError(e: unknown, where: string, shown: string, what = 'file'): Error {
  const code = (e as { code?: string })?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new Error(`${where}: ${what} "${shown}" is missing`);
  if (code === 'ELOOP') return new Error(`${where}: "${shown}" is a symlink that changed while it was opened (or a symlink loop); expected a regular file`);
  return new Error(`${where}: cannot read "${shown}" (${code ?? (e as Error)?.message ?? String(e)})`);
}

function kind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The real path of `relPath` inside the real `folder`, or an Error. Nothing outside is touched. */
async function resolveInside(folder: string, relPath: string, where: string, what: string): Promise<{ real: string; shown: string }> {
  const { fs, path } = await nodeModules();
  if (typeof relPath !== 'string' || relPath.length === 0 || relPath.includes('\0')) {
    throw new Error(`${where}: expected a non-empty relative file path, found ${JSON.stringify(relPath)}`);
  }
  if (/[/\\]$/.test(relPath)) throw new Error(`${where}: path "${relPath}" names a directory (it ends with a slash); expected a file`);
  if (path.isAbsolute(relPath) || /^[A-Za-z]:/.test(relPath)) {
    throw new Error(`${where}: path "${relPath}" is absolute; expected a path relative to the model folder`);
  }
  let root: string;
  try {
    root = await fs.realpath(folder);
  } catch (e) {
    throw fsError(e, where, folder);
  }
  const lexical = path.resolve(root, relPath);
  if (!inside(path, root, lexical)) throw new Error(`${where}: path "${relPath}" leads outside the model folder; expected a file inside it`);
  let real: string;
  try {
    real = await fs.realpath(lexical);
  } catch (e) {
    throw fsError(e, where, relPath, what);
  }
  if (!inside(path, root, real)) {
    throw new Error(`${where}: path "${relPath}" is a symlink leading outside the model folder; expected a file inside it`);
  }
  return { real, shown: relPath };
}

async function openChecked(folder: string, relPath: string, where: string, what = 'file') {
  const { fs, constants } = await nodeModules();
  const { real, shown } = await resolveInside(folder, relPath, where, what);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the checked real path must still not be a symlink.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await fs.open(real, flags);
  } catch (e) {
    throw fsError(e, where, shown, what);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${where}: ${what} "${shown}" is ${kind(st)}; expected a regular file`);
    return { fh, size: st.size, shown };
  } catch (e) {
    await fh.close();
    throw e instanceof Error && e.constructor === Error ? e : fsError(e, where, shown, what);
  }
}

/** Size in bytes of a contained regular file (fstat; nothing is read). */
export async function sizeContained(folder: string, relPath: string, options: { where: string; what?: string }): Promise<number> {
  const { fh, size } = await openChecked(folder, relPath, options.where, options.what);
  await fh.close();
  return size;
}

/** The bytes of a contained regular file, after its size is checked. */
export async function readContained(folder: string, relPath: string, options: ContainedOptions): Promise<Uint8Array> {
  const { where, expectedBytes, maxBytes, what = 'file' } = options;
  const { fh, size, shown } = await openChecked(folder, relPath, where, what);
  try {
    if (expectedBytes !== undefined && size !== expectedBytes) {
      throw new Error(`${where}: ${what} "${shown}" has ${size} bytes; expected ${expectedBytes} bytes`);
    }
    if (maxBytes !== undefined && size > maxBytes) {
      throw new Error(`${where}: ${what} "${shown}" has ${size} bytes; expected at most ${maxBytes} bytes`);
    }
    const out = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(out, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== size) throw new Error(`${where}: "${shown}" shrank to ${got} bytes while it was read; expected ${size} bytes`);
    return out;
  } catch (e) {
    throw e instanceof Error && e.constructor === Error ? e : fsError(e, where, shown, what);
  } finally {
    await fh.close();
  }
}
