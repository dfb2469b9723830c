import { ENV_NAME_PATTERN, PROVIDERS, TOOL_ENTRY_PATTERN, TOOL_NAME_PATTERN, agentFrontMatterSchema, type AgentFrontMatter } from './definition';

type Rule = (value: unknown) => boolean;

const text =
  (min: number, max = Infinity): Rule =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max;
const matching =
  (pattern: RegExp): Rule =>
  (v) =>
    typeof v === 'string' && pattern.test(v);
const number =
  (min: number, max: number, integer: boolean): Rule =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max;
const list =
  (item: Rule, max = Infinity, min = 0): Rule =>
  (v) =>
    Array.isArray(v) && v.length >= min && v.length <= max && v.every(item);

/**
 * For each key, values the schema surely takes as they are (mirroring `agentFrontMatterSchema`).
 * `base_url` (zod's URL rules) and `mcp_servers` (nested objects) have none: a file that writes
 * them is checked by zod.
 */
const RULES: Partial<Record<keyof AgentFrontMatter, Rule>> = {
  name: matching(TOOL_NAME_PATTERN),
  description: text(1, 1024),
  model: text(1),
  provider: (v) => (PROVIDERS as readonly unknown[]).includes(v),
  api_key_env: matching(ENV_NAME_PATTERN),
  command: (v) => text(1)(v) || list(text(1), Infinity, 1)(v),
  temperature: number(0, 2, false),
  max_tokens: number(1, 1_000_000, true),
  max_loops: number(1, 100, true),
  timeout: (v) => number(0, 86_400, false)(v) && (v as number) > 0,
  max_retries: number(0, 20, true),
  max_concurrency: number(1, 1024, true),
  queue_limit: number(0, 100_000, true),
  tags: list(text(1)),
  capabilities: list(text(1)),
  role: text(1),
  env: list(matching(ENV_NAME_PATTERN), 256),
  tools: list(matching(TOOL_ENTRY_PATTERN), 128),
  max_turns: number(1, 100, true),
  allow_recursion: (v) => typeof v === 'boolean',
};

const KEYS = Object.keys(agentFrontMatterSchema.shape) as (keyof AgentFrontMatter)[];

/**
 * The front matter as zod would give it, when every value is one the schema surely takes; else
 * undefined, and the caller runs the schema, which owns every issue message. Most agent files
 * pass here, without zod's per-value machinery — most of the check's cost for folders of thousands
 * of files while V8 still runs it cold. `input` holds only schema keys.
 * `test/agents/front-matter-check.test.ts` holds it to the schema.
 */
export function checkedFrontMatter(input: Record<string, unknown>): AgentFrontMatter | undefined {
  if (input.name === undefined || input.description === undefined) return undefined;
  const data: Record<string, unknown> = {};
  let seen = 0;
  for (const key of KEYS) {
    if (!Object.hasOwn(input, key)) continue;
    seen++;
    const value = input[key];
    const rule = RULES[key];
    if (!rule || !rule(value)) return undefined;
    data[key] = Array.isArray(value) ? [...value] : value; // zod's data holds copies of lists
  }
  return seen === Object.keys(input).length ? (data as AgentFrontMatter) : undefined;
}
