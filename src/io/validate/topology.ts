/**
 * checkTopologyFields: the fields of a Keras/tfjs topology that name things, checked by key
 * wherever they occur (Sequential, functional, the converter's model_config wrapper, Keras 3):
 *   name            a non-empty string without "/" or NUL ("/" separates weight-name scopes:
 *                   a layer "x/lstm" would save weights no loader can match back)
 *   class_name      a string
 *   input_layers, output_layers   [[layer, node, tensor], ...] or one such ref (Keras 3)
 *   inbound_nodes   a list of nodes: [[layer, node, tensor, kwargs?], ...] or Keras 3 {args, kwargs}
 *   keras_history   [layer, node, tensor]
 * (layer: a string; node, tensor: non-negative integers). The topology reader can then
 * trust these shapes; everything else is its job. Runs after checkJsonValue (plain data, depth).
 */
import { fieldPath, isPlainObject, typeName } from './json.js';
import { MAX_NAME_CHARS } from './limits.js';

export function checkRef(v: unknown, at: string, kwargs: boolean): void {
  const n = kwargs ? 4 : 3;
  if (!Array.isArray(v) || v.length < 3 || v.length > n) {
    throw new Error(`${at}: expected a tensor reference [layer name, node index, tensor index${kwargs ? ', kwargs?' : ''}], found ${typeName(v)}`);
  }
  if (typeof v[0] !== 'string') throw new Error(`${at}[0]: expected a layer name (a string), found ${typeName(v[0])}`);
  for (const i of [1, 2]) {
    if (!Number.isSafeInteger(v[i]) || v[i] < 0) throw new Error(`${at}[${i}]: expected a non-negative integer, found ${typeName(v[i])}`);
  }
  if (v.length === 4 && !isPlainObject(v[3])) throw new Error(`${at}[3]: expected the call kwargs (an object), found ${typeName(v[3])}`);
}

function checkRefList(v: unknown, at: string): void {
  if (Array.isArray(v) && typeof v[0] === 'string') return checkRef(v, at, false); // Keras 3: one ref
  if (!Array.isArray(v)) throw new Error(`${at}: expected a list of tensor references, found ${typeName(v)}`);
  v.forEach((r, i) => checkRef(r, fieldPath(at, i), false));
}

function checkInbound(v: unknown, at: string): void {
  if (!Array.isArray(v)) throw new Error(`${at}: expected a list of call nodes, found ${typeName(v)}`);
  v.forEach((node, i) => {
    const p = fieldPath(at, i);
    if (Array.isArray(node)) node.forEach((r, j) => checkRef(r, fieldPath(p, j), true));
    else if (!isPlainObject(node)) throw new Error(`${p}: expected a call node (a list of tensor references, or {args, kwargs}), found ${typeName(node)}`);
  });
}

/** Throws an Error naming `where` and the field path of the first malformed naming field. */
export function checkTopologyFields(topology: unknown, where: string, root = 'modelTopology'): void {
  const stack: [unknown, string][] = [[topology, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (Array.isArray(v)) {
      v.forEach((x, i) => { if (x !== null && typeof x === 'object') stack.push([x, fieldPath(path, i)]); });
      continue;
    }
    if (!isPlainObject(v)) continue;
    for (const key of Object.keys(v)) {
      const x = v[key];
      const p = fieldPath(path, key);
      if (x === undefined) continue;
      if (key === 'name') {
        if (typeof x !== 'string' || x.length === 0 || x.length > MAX_NAME_CHARS || x.includes('/') || x.includes('\0')) {
          const why = typeof x === 'string' ? (x.includes('/') ? `${JSON.stringify(x)}, which contains "/"` : JSON.stringify(x.slice(0, 40))) : typeName(x);
          throw new Error(`${where}: field ${p}: expected a name (a non-empty string without "/"), found ${why}`);
        }
      } else if (key === 'class_name') {
        if (typeof x !== 'string') throw new Error(`${where}: field ${p}: expected a class name (a string), found ${typeName(x)}`);
      } else if (key === 'input_layers' || key === 'output_layers') {
        checkRefList(x, `${where}: field ${p}`);
      } else if (key === 'inbound_nodes') {
        checkInbound(x, `${where}: field ${p}`);
      } else if (key === 'keras_history') {
        checkRef(x, `${where}: field ${p}`, false);
      }
      if (x !== null && typeof x === 'object') stack.push([x, p]);
    }
  }
}
