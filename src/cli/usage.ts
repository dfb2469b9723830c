/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

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

/** One `aop` sub-command: its help text, its flags and what it does. Returns the exit code. */
export interface CliCommand {
  summary: string;
  usage: string;
  options: Record<string, CliOption>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}
