/**
 * Serialises a ModelProto with protobufjs, loaded on first use so that the
 * core package keeps zero runtime dependencies (protobufjs is an optional peer
 * dependency needed only by ONNX export).
 */
import { ONNX_SCHEMA } from './schema.js';

// Minimal structural view of what we use from protobufjs/light.
interface PbType {
  verify(message: object): string | null;
  fromObject(object: object): object;
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options?: object): Record<string, unknown>;
}
interface PbRoot {
  lookupType(name: string): PbType;
}

let rootPromise: Promise<PbRoot> | undefined;

/** Loads protobufjs and builds the ONNX schema root once. */
export function onnxRoot(): Promise<PbRoot> {
  rootPromise ??= (async () => {
    let mod: { default?: unknown; Root?: unknown };
    try {
      mod = (await import('protobufjs/light.js')) as typeof mod;
    } catch (err) {
      rootPromise = undefined;
      throw new Error(
        `toONNX: ONNX export needs the optional peer dependency 'protobufjs' (npm install protobufjs); ` +
          `loading it failed: ${(err as Error).message}`,
      );
    }
    const pb = (mod.Root ? mod : mod.default) as { Root: { fromJSON(json: object): PbRoot } };
    return pb.Root.fromJSON(ONNX_SCHEMA);
  })();
  return rootPromise;
}

export async function encodeModel(model: object): Promise<Uint8Array> {
  const Model = (await onnxRoot()).lookupType('onnx.ModelProto');
  const problem = Model.verify(model);
  if (problem) throw new Error(`toONNX: internal error, the ModelProto does not verify: ${problem}`);
  return Model.encode(Model.fromObject(model)).finish();
}

/** Decodes ONNX bytes into plain objects (int64 as numbers); used by tests. */
export async function decodeModel(bytes: Uint8Array): Promise<Record<string, unknown>> {
  const Model = (await onnxRoot()).lookupType('onnx.ModelProto');
  return Model.toObject(Model.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}
