import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `err` is a UsageError. Also by name: each command is its own bundle (dist/cli-<command>.js)
 * with its own copy of this class, so `instanceof` in the CLI's entry cannot see it.
 */
export function isUsageError(err: unknown): boolean {
  return err instanceof UsageError || (err instanceof Error && err.name === 'UsageError');
}

export function optString(values: Record<string, unknown>, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function optNumber(values: Record<string, unknown>, key: string): number | undefined {
  const v = optString(values, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got "${v}"`);
  return n;
}

/** `--port`: a whole number from 0 to 65535 (0 = any free port). */
export function optPort(values: Record<string, unknown>, key = 'port'): number | undefined {
  const raw = optString(values, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new UsageError(`--${key} must be a whole number from 0 to 65535 (0 = any free port), got "${raw}"`);
  return n;
}

/** Paths given on the command line, resolved; one that does not exist is a usage error. */
export function existingPaths(positionals: string[]): string[] {
  const paths = (positionals.length ? positionals : ['.']).map((p) => resolve(p));
  const missing = positionals.filter((_p, i) => !existsSync(paths[i]));
  if (missing.length) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
  return paths;
}

export function optList(values: Record<string, unknown>, key: string): string[] {
  const v = values[key];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** Parses `-H "Name: value"` header flags. */
export function parseHeaders(list: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header must look like "Name: value", got "${h}"`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return headers;
}

export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
}

/** What `aop <command> --help` prints and the flags it parses (src/cli/command-specs.ts). */
export interface CliCommandSpec {
  summary: string;
  usage: string;
  options: Record<string, CliOption>;
}

/** One `aop` sub-command: its help text, its flags and what it does. Returns the exit code. */
export interface CliCommand extends CliCommandSpec {
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}
