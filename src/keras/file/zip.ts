/**
 * The `.keras` archive: a zip. The directory is parsed here (bounded: member
 * count, offsets inside the file, declared sizes) and members are inflated
 * with fflate (imported lazily, so bundles that never open a Keras file do
 * not carry it) into a buffer of the declared size, then checked against the
 * member's CRC-32, so a truncated or forged member is an error, never a
 * zero-padded buffer.
 */
import { fail, guard } from './errors.js';

export const ZIP_LIMITS = {
  /** A .keras archive has 3–4 members (metadata, config, weights, assets). */
  maxMembers: 256,
  /** Per member, uncompressed (zip64 is not read: Keras files over 4 GiB are out of scope). */
  maxMemberBytes: 2 ** 31 - 1,
};

export const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

let crcTable: Uint32Array | null = null;
function crc32(d: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < d.length; i++) c = crcTable[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Entry { name: string; method: number; flags: number; crc: number; csize: number; usize: number; local: number }

function directory(b: Uint8Array, file: string): Entry[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number) => v.getUint16(o, true);
  const u32 = (o: number) => v.getUint32(o, true);
  let e = -1;
  for (let o = b.length - 22; o >= Math.max(0, b.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50) { e = o; break; }
  }
  if (e < 0) fail(file, 'zip archive', 'no end-of-central-directory record (truncated, or not a zip)');
  const count = u16(e + 10), cdSize = u32(e + 12), cdOff = u32(e + 16);
  if (count === 0xffff || cdOff === 0xffffffff) fail(file, 'zip archive', 'zip64 archives are not supported');
  if (count > ZIP_LIMITS.maxMembers) fail(file, 'zip archive', `${count} members, more than the ${ZIP_LIMITS.maxMembers} allowed`);
  if (cdOff + cdSize > e) fail(file, 'zip central directory', `offset ${cdOff} + size ${cdSize} runs past the end record at ${e}`);
  const entries: Entry[] = [];
  let o = cdOff;
  const text = new TextDecoder('utf-8', { fatal: false });
  for (let i = 0; i < count; i++) {
    if (o + 46 > cdOff + cdSize || u32(o) !== 0x02014b50) fail(file, 'zip central directory', `entry ${i} at offset ${o} is malformed`);
    const nameLen = u16(o + 28), extraLen = u16(o + 30), commentLen = u16(o + 32);
    if (o + 46 + nameLen > cdOff + cdSize) fail(file, 'zip central directory', `entry ${i}: name runs past the directory`);
    entries.push({
      name: text.decode(b.subarray(o + 46, o + 46 + nameLen)), flags: u16(o + 8), method: u16(o + 10),
      crc: u32(o + 16), csize: u32(o + 20), usize: u32(o + 24), local: u32(o + 42),
    });
    o += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

async function inflate(b: Uint8Array, en: Entry, file: string): Promise<Uint8Array> {
  const what = `zip member "${en.name}"`;
  if (en.flags & 1) fail(file, what, 'is encrypted');
  if (en.usize > ZIP_LIMITS.maxMemberBytes) fail(file, what, `declares ${en.usize} bytes, more than the ${ZIP_LIMITS.maxMemberBytes} allowed`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (en.local + 30 > b.length || v.getUint32(en.local, true) !== 0x04034b50) fail(file, what, `no local header at offset ${en.local}`);
  const start = en.local + 30 + v.getUint16(en.local + 26, true) + v.getUint16(en.local + 28, true);
  if (start + en.csize > b.length) fail(file, what, `data (${en.csize} bytes at ${start}) runs past the end of the file (${b.length} bytes)`);
  const raw = b.subarray(start, start + en.csize);
  let out: Uint8Array;
  if (en.method === 0) {
    if (en.csize !== en.usize) fail(file, what, `stored with compressed size ${en.csize} != size ${en.usize}`);
    out = raw;
  } else if (en.method === 8) {
    const { inflateSync } = await import('fflate');
    out = guard(file, what, () => inflateSync(raw, { out: new Uint8Array(en.usize) }));
  } else {
    fail(file, what, `compression method ${en.method}; only stored (0) and deflate (8) are supported`);
  }
  if (out.length !== en.usize || crc32(out) !== en.crc) fail(file, what, 'CRC-32 mismatch (truncated or corrupt member)');
  return out;
}

/** Member names, and the bytes of the members in `wanted` that are present (checked). */
export async function readZip(bytes: Uint8Array, file: string, wanted: readonly string[] | ((name: string) => boolean)): Promise<{ names: string[]; members: Map<string, Uint8Array> }> {
  const want = typeof wanted === 'function' ? wanted : (n: string) => wanted.includes(n);
  if (bytes.length < 22) fail(file, 'zip archive', `only ${bytes.length} bytes`);
  const entries = directory(bytes, file);
  const members = new Map<string, Uint8Array>();
  for (const en of entries) {
    if (!want(en.name)) continue;
    if (members.has(en.name)) fail(file, `zip member "${en.name}"`, 'appears twice');
    members.set(en.name, await inflate(bytes, en, file));
  }
  return { names: entries.map((e) => e.name), members };
}
