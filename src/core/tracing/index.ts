/** Execution traces and metrics (DESIGN.md "Traces and metrics", paper §7.4, §9). */
export * from './types';
export { newSpanId, newTraceId, isSpanId, isTraceId } from './ids';
export { AopSpan, AopTracer, AopTracerProvider, LocalTrace, contextWithSpan, truncate } from './tracer';
export { SPANS_KEY, TRACEPARENT_KEY, TRACESTATE_KEY, TRACE_ID_KEY } from '../meta-keys';
export {
  DEFAULT_MAX_SPANS_BYTES,
  absorbRemoteSpans,
  decodeSpans,
  encodeSpans,
  extractTraceContext,
  formatTraceparent,
  injectTraceContext,
  parseTraceparent,
  type WireSpans,
} from './propagation';
export { TraceStore, summarize, type TraceQuery, type TraceStoreOptions } from './store';
export { LatencyHistogram, Metrics, type CallMetrics, type LatencySummary, type MetricsSnapshot } from './metrics';
export {
  InvocationTrace,
  ServerTracing,
  combineObservers,
  endRemoteCall,
  tracedMeta,
  type RemoteTarget,
  type ServerTracingOptions,
} from './invocation';
export { OtlpExporter, msToUnixNano, otlpTracesUrl, sendOtlp, toOtlp, writeOtlpFile, type OtlpTraceRequest } from './otlp';
export { formatTrace } from './format';
/** Durations and timestamps: one formatter for the CLI, the explorer and the Traces view. */
export { formatDuration } from '../../shared/format';
export { defaultTracesDir } from './paths';
export { traceFederatedCalls } from './federation';
