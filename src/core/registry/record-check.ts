/**
 * A hand-written check of the common, plainly valid server record, for the cold view of a large
 * registry (1,000 records read at once; zod costs 50–100 µs per record in a fresh process, most of
 * the view's CPU — bench/NOTES.md, registry). It is deliberately narrower than the zod schema in
 * record.ts, which stays the definition: whatever this check accepts, the schema accepts with the
 * same output (test/registry/record-check.test.ts checks that on generated records); anything
 * unusual — a field out of bounds, a non-ASCII or padded URL, a wrong type — returns undefined and
 * the schema decides, with its error message.
 */
import { TOOL_NAME_PATTERN } from '../agents/definition';
import { RECORD_LIMITS } from './record-limits';

/** What the schema's output is for these records (record.ts returns it as its `ServerRecord`, so the compiler checks they agree). */
export interface PlainAgentRecord {
  name: string;
  description: string;
  tags: string[];
  capabilities: string[];
  version?: string;
  role?: string;
  model?: string | null;
}
export interface PlainServerRecord {
  id: string;
  url: string;
  name: string;
  agents: PlainAgentRecord[];
  startedAt: number;
  load: number;
  version?: string;
}

const ID = /^[a-zA-Z0-9._@:-]{1,128}$/;
/** http(s) URL of printable ASCII only: nothing the URL parser or zod would trim, strip or re-encode. */
const PLAIN_HTTP_URL = /^https?:\/\/[\x21-\x7e]+$/i;
const MAX_URL = 2048;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortString = (v: unknown): v is string => typeof v === 'string' && v.length <= RECORD_LIMITS.short;
const nonNegativeInt = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;

function stringList(v: unknown): string[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > RECORD_LIMITS.list) return undefined;
  for (const s of v) if (typeof s !== 'string' || s.length < 1 || s.length > RECORD_LIMITS.short) return undefined;
  return v.slice() as string[];
}

function agent(v: unknown): PlainAgentRecord | undefined {
  if (!isObject(v)) return undefined;
  const { name, description, version, role, model } = v;
  if (typeof name !== 'string' || !TOOL_NAME_PATTERN.test(name)) return undefined;
  if (description !== undefined && (typeof description !== 'string' || description.length > RECORD_LIMITS.text)) return undefined;
  const tags = stringList(v.tags);
  const capabilities = stringList(v.capabilities);
  if (!tags || !capabilities) return undefined;
  if (version !== undefined && !shortString(version)) return undefined;
  if (role !== undefined && !shortString(role)) return undefined;
  if (model !== undefined && model !== null && !shortString(model)) return undefined;
  const out: PlainAgentRecord = { name, description: description ?? '', tags, capabilities };
  if (version !== undefined) out.version = version;
  if (role !== undefined) out.role = role;
  if (model !== undefined) out.model = model;
  return out;
}

/** The record when it is plainly valid; undefined when the zod schema has to decide. */
export function plainServerRecord(json: unknown): PlainServerRecord | undefined {
  if (!isObject(json)) return undefined;
  const { id, url, name, agents, startedAt, load, version } = json;
  if (typeof id !== 'string' || !ID.test(id)) return undefined;
  if (typeof url !== 'string' || url.length > MAX_URL || !PLAIN_HTTP_URL.test(url) || !URL.canParse(url)) return undefined;
  if (!shortString(name)) return undefined;
  if (!Array.isArray(agents) || agents.length > RECORD_LIMITS.agents) return undefined;
  if (!nonNegativeInt(startedAt)) return undefined;
  if (load !== undefined && !nonNegativeInt(load, 1e9)) return undefined;
  if (version !== undefined && !shortString(version)) return undefined;
  const out: PlainAgentRecord[] = new Array(agents.length);
  for (let i = 0; i < agents.length; i++) {
    const a = agent(agents[i]);
    if (!a) return undefined;
    out[i] = a;
  }
  const record: PlainServerRecord = { id, url, name, agents: out, startedAt, load: load ?? 0 };
  if (version !== undefined) record.version = version;
  return record;
}
