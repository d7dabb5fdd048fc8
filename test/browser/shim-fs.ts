/**
 * `node:fs` for test files in the browser suite (vitest.browser.config.ts
 * resolves `fs`/`node:fs` imported from test/ here). It serves only the
 * numerics fixtures, shared/fixtures/** (and the repo's generated test/fixtures/**), from a snapshot the config embeds at
 * start-up (virtual:shared-fixtures), so fixture-reading kernel tests run in
 * Chromium unchanged. Any path containing `/shared/fixtures/` maps to the same
 * file (the absolute /work/shared/... and ../shared/... beside a clone alike);
 * anything else throws ENOENT, as a missing file would in Node.
 */
import files from 'virtual:shared-fixtures';

const snapshot = files as Record<string, { text?: string; base64?: string }>;
const MARK = '/shared/fixtures';

function key(path: string | URL): string {
  const p = (typeof path === 'string' ? path : path.pathname).replace(/\/+$/, '');
  const i = p.lastIndexOf(MARK);
  if (i >= 0) return p.slice(i + MARK.length).replace(/^\//, '');
  // the repo's own generated fixtures (test/fixtures/**, relative to the repo root or absolute)
  const own = /(?:^|\/)test\/fixtures(?:\/(.*))?$/.exec(p);
  return own ? `repo-test/${own[1] ?? ''}`.replace(/\/$/, '') : '\0';
}

function enoent(path: string | URL, op: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${op} '${String(path)}' (browser fs shim: only shared/fixtures and test/fixtures are served)`), { code: 'ENOENT' });
}

export function readFileSync(path: string | URL, options?: string | { encoding?: string | null }): string | Uint8Array {
  const f = snapshot[key(path)];
  if (!f) throw enoent(path, 'open');
  const encoding = typeof options === 'string' ? options : options?.encoding;
  let bytes: Uint8Array | null = null;
  if (f.base64 !== undefined) bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
  if (encoding) return f.text ?? new TextDecoder().decode(bytes!);
  return bytes ?? new TextEncoder().encode(f.text);
}

export function existsSync(path: string | URL): boolean {
  const k = key(path);
  return k === '' || k in snapshot || Object.keys(snapshot).some((n) => n.startsWith(`${k}/`));
}

export function readdirSync(path: string | URL): string[] {
  const k = key(path);
  if (k === '\0' || !existsSync(path) || k in snapshot) throw enoent(path, 'scandir');
  const prefix = k === '' ? '' : `${k}/`;
  const names = new Set<string>();
  for (const n of Object.keys(snapshot)) if (n.startsWith(prefix)) names.add(n.slice(prefix.length).split('/')[0]);
  return [...names].sort();
}

export default { readFileSync, existsSync, readdirSync };
