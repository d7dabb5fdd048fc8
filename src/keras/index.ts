// The one module that knows Keras: configs per dialect (config.ts) and the file formats (file/). Re-exports only.
export * from './config.js';
export { readKerasFile, modelFromKeras } from './file/load.js';
export type { KerasModelParts } from './file/load.js';
export { isKerasPath, readKerasBytes } from './file/source.js';
