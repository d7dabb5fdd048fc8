// The `data` namespace (API.md): input pipelines for fitDataset. This file only re-exports.
export { timeseriesDataset, TimeseriesDataset } from './timeseries.js';
export type { TimeseriesOptions, Batch } from './timeseries.js';
export { normalization, Normalizer } from './normalization.js';
export type { NormalizationStats } from "./normalization.js";
export type { SeriesLike } from "./as-tensor.js";
export type { Dataset, DatasetBatch, FitDatasetArgs, EvaluateDatasetArgs } from '../models/fit-dataset.js';
