// Codes shared with src/backend/types.ts (ACT, GEMM, RNN). Keep both in sync.
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;
export const ACT_HARD_SIGMOID: i32 = 4;
export const ACT_SOFTMAX: i32 = 5;
export const ACT_HARD_SIGMOID_KERAS3: i32 = 6;

export const GEMM_TRANS_A: i32 = 1;
export const GEMM_TRANS_B: i32 = 2;
export const GEMM_ACCUMULATE: i32 = 4;

export const RNN_GO_BACKWARDS: i32 = 1;
export const RNN_TRAINING: i32 = 2;
export const RNN_RESET_AFTER: i32 = 4;
export const RNN_PROJECTED: i32 = 8;
