// ONNX export (re-exports only).
export { toONNX, exportGraphOnnx, ONNX_OPSET, ONNX_IR_VERSION } from './export.js';
export type { ToONNXOptions, KerasTopology, WeightRecord, LayerJSON } from './export.js';
