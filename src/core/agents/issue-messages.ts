import type { z } from 'zod';
import type { Path } from './parse-context';

type ZodIssue = z.ZodError['issues'][number];

/** The value at `path` in the front matter values. */
export function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function pathLabel(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** A zod issue of the front matter in the user's words (`\`timeout\` must be a number, not "soon"`). */
export function issueMessage(issue: ZodIssue, value: unknown): string {
  const key = `\`${pathLabel(issue.path)}\``;
  switch (issue.code) {
    case 'invalid_type':
      return `${key} must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${describeValue(value)}`;
    case 'too_big':
    case 'too_small': {
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const word = issue.code === 'too_big' ? (issue.inclusive ? 'at most' : 'less than') : issue.inclusive ? 'at least' : 'greater than';
      if (issue.code === 'too_small' && (issue.origin === 'string' || issue.origin === 'array') && Number(bound) === 1) {
        return `${key} must not be empty`;
      }
      if (issue.origin === 'string') return `${key} must be ${word} ${String(bound)} characters long`;
      if (issue.origin === 'array') return `${key} must have ${word} ${String(bound)} items`;
      return `${key} must be ${word} ${String(bound)} (got ${String(value)})`;
    }
    case 'invalid_value':
      return `${key} must be one of ${issue.values.map((v) => String(v)).join(', ')}, not ${describeValue(value)}`;
    case 'invalid_format':
      if (issue.format === 'url') return `${key} must be a URL such as http://127.0.0.1:11434/v1, not ${describeValue(value)}`;
      if (issue.message && !issue.message.startsWith('Invalid')) return `${key} ${issue.message}`;
      return `${key} must match ${issue.format === 'regex' && 'pattern' in issue ? String(issue.pattern) : issue.format}`;
    case 'invalid_union':
      if (issue.path[0] === 'mcp_servers') {
        return `${key} must be {url, headers} (an HTTP server) or {command, args, env} (a stdio server), not ${describeValue(value)}`;
      }
      if (issue.path[0] === 'command') return `${key} must be a command line or a list of program and arguments, not ${describeValue(value)}`;
      return `${key} has an invalid value ${describeValue(value)}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value === '' ? 'empty text' : JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}
