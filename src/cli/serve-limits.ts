import { dirname, join, resolve } from 'node:path';
import { type ServerLimits, DEFAULT_SERVER_LIMITS, DEFAULT_MAX_OUTPUT_BYTES, defaultTracesDir } from '../core';
import { optNumber, optString, type CliOption } from './usage';

/** `aop serve` flags of the caps on clients and command agents (README, threat model). */
export const LIMIT_OPTIONS: Record<string, CliOption> = {
  'headers-timeout': { type: 'string', description: `Seconds a client has to send request headers (default ${DEFAULT_SERVER_LIMITS.headersTimeoutMs / 1000})` },
  'body-timeout': { type: 'string', description: `Seconds a client has to send a whole request (default ${DEFAULT_SERVER_LIMITS.bodyTimeoutMs / 1000})` },
  'idle-timeout': { type: 'string', description: `Seconds of silence before a connection is closed (default ${DEFAULT_SERVER_LIMITS.idleTimeoutMs / 1000})` },
  'max-body': { type: 'string', description: 'Largest request body in bytes (default 4194304)' },
  'max-batch': { type: 'string', description: `Most messages in a JSON-RPC batch (default ${DEFAULT_SERVER_LIMITS.maxBatchLength})` },
  'max-answer-bytes': { type: 'string', description: `Most bytes of answers to one request (default ${DEFAULT_SERVER_LIMITS.maxAnswerBytes})` },
  'max-in-flight': { type: 'string', description: `Most unanswered requests per session (default ${DEFAULT_SERVER_LIMITS.maxInFlightPerSession})` },
  'max-sessions': { type: 'string', description: 'Most sessions (default 1000)' },
  'max-sessions-per-client': { type: 'string', description: `Most sessions per client address (default ${DEFAULT_SERVER_LIMITS.maxSessionsPerClient})` },
  'max-command-output': { type: 'string', description: `Most bytes a command agent may print per call (default ${DEFAULT_MAX_OUTPUT_BYTES})` },
  'run-dir': { type: 'string', description: 'Folder of the pid files of command agents, reaped after a crash (default: $AOP_RUN_DIR or next to the traces folder)' },
  'no-trace-content': { type: 'boolean', description: 'Keep task and answer excerpts out of traces' },
};

export interface ServeLimits {
  limits: Partial<ServerLimits>;
  maxBodyBytes?: number;
  maxSessions?: number;
  maxCommandOutputBytes?: number;
  captureTraceContent: boolean;
  runDir: string;
}

export function readServeLimits(values: Record<string, unknown>): ServeLimits {
  const seconds = (key: string) => {
    const v = optNumber(values, key);
    return v === undefined ? undefined : v * 1000;
  };
  return {
    limits: {
      headersTimeoutMs: seconds('headers-timeout'),
      bodyTimeoutMs: seconds('body-timeout'),
      idleTimeoutMs: seconds('idle-timeout'),
      maxBatchLength: optNumber(values, 'max-batch'),
      maxAnswerBytes: optNumber(values, 'max-answer-bytes'),
      maxInFlightPerSession: optNumber(values, 'max-in-flight'),
      maxSessionsPerClient: optNumber(values, 'max-sessions-per-client'),
    },
    maxBodyBytes: optNumber(values, 'max-body'),
    maxSessions: optNumber(values, 'max-sessions'),
    maxCommandOutputBytes: optNumber(values, 'max-command-output'),
    captureTraceContent: values['no-trace-content'] !== true,
    runDir: resolve(optString(values, 'run-dir') ?? process.env.AOP_RUN_DIR ?? defaultRunDir()),
  };
}

/** `<cache>/aop/run`, next to `<cache>/aop/traces`. */
export function defaultRunDir(): string {
  const traces = defaultTracesDir();
  return process.env.AOP_TRACES_DIR ? join(traces, 'run') : join(dirname(traces), 'run');
}
