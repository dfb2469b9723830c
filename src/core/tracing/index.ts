/** Execution traces and metrics (DESIGN.md "Traces and metrics", paper §7.4, §9). */
export * from './types';
export { newSpanId, newTraceId } from './ids';
export { AopTracer } from './tracer';
export { SPANS_KEY, TRACE_ID_KEY } from '../meta-keys';
export { absorbRemoteSpans, decodeSpans, formatTraceparent, injectTraceContext, parseTraceparent, type WireSpans } from './propagation';
export { TraceStore } from './store';
export { LatencyHistogram, Metrics, type MetricsSnapshot } from './metrics';
export { endRemoteCall } from './invocation';
export { OtlpExporter, msToUnixNano, sendOtlp, toOtlp, writeOtlpFile } from './otlp';
/** Durations and timestamps: one formatter for the CLI, the explorer and the Traces view. */
export { formatDuration } from '../../shared/format';
export { traceFederatedCalls } from './federation';
