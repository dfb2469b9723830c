export { AopTracer, TraceStore, type TraceEvent } from '../../src/core/tracing';
export { TRACES_FILE as TRACES_FILE_NAME, ROTATED_FILE as ROTATED_FILE_NAME } from '../../src/core/tracing/store';
