/**
 * Loads ONNX models in a child process (onnxruntime's native log goes to its stderr) at log
 * severity "warning"; a clean export prints nothing there.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function onnxWarnings(models: Map<string, Uint8Array>): { status: number | null; stderr: string; loaded: number } {
  const script = `
    import * as ort from 'onnxruntime-web';
    import { readFileSync } from 'node:fs';
    ort.env.logLevel = 'warning';
    for (const f of JSON.parse(process.argv[1])) {
      await ort.InferenceSession.create(readFileSync(f), { logSeverityLevel: 2 });
      console.log('loaded ' + f);
    }`;
  const dir = mkdtempSync(join(tmpdir(), 'onnx-warn-'));
  try {
    const files = [...models].map(([name, bytes]) => {
      const file = join(dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.onnx`);
      writeFileSync(file, bytes);
      return file;
    });
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(files)], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: res.status, stderr: res.stderr, loaded: res.stdout.trim().split('\n').filter(Boolean).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
