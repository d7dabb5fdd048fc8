/** Merge layers and attention (several inputs; functional models only). */
export { MultiInputLayer, type MergeArgs } from './base.js';
export { ElementwiseMerge, type ElementwiseOp } from './elementwise.js';
export { Concatenate, type ConcatenateArgs } from './concatenate.js';
export { Dot, type DotArgs } from './dot.js';
export { Attention, type AttentionArgs } from './attention.js';
