import type { CallToolResult, InitializeResult, ListToolsResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Hand checks of the results an MCP session reads during discovery (initialize, tools/list, a
 * tools/call of `discover_agents`): plain code instead of the SDK's zod schemas, so a cold
 * `aop discover` loads neither (bench/NOTES.md, CLI cold start). They accept what the SDK's
 * InitializeResultSchema, ListToolsResultSchema and CallToolResultSchema accept in the fields
 * they check (test/mcp-client/result-checks.test.ts holds them to those schemas); a peer's answer
 * that fails one is refused with where it broke, in words.
 */

import { SUPPORTED_PROTOCOL_VERSIONS } from '../mcp-protocol';

/** Longest `nextCursor` followed (a cursor is opaque, but a peer's is bounded like its other words). */
export const MAX_CURSOR_LENGTH = 4096;

/** A peer's result that is not what the method returns. */
export class MalformedResultError extends Error {
  constructor(method: string, where: string, what: string) {
    super(`malformed ${method} result: ${where} ${what}`);
    this.name = 'MalformedResultError';
  }
}

/** Why a value is refused (e.g. "must be a string"), or undefined when it passes. */
type Check = (value: unknown) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined ? undefined : check(v);
const string: Check = (v) => (typeof v === 'string' ? undefined : 'must be a string');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const object: Check = (v) => (isObject(v) ? undefined : 'must be an object');

/** `{ type: "object", properties?: {name: object}, required?: string[] }`, other keys free (a tool's input or output schema). */
const objectSchema: Check = (v) => {
  if (!isObject(v) || v.type !== 'object') return 'must be a JSON Schema object with "type": "object"';
  if (v.properties !== undefined && (!isObject(v.properties) || !Object.values(v.properties).every(isObject))) return 'properties must map names to objects';
  if (v.required !== undefined && (!Array.isArray(v.required) || !v.required.every((r) => typeof r === 'string'))) return 'required must be a list of strings';
  return undefined;
};

/** Content blocks: objects with a `type`; a text block's text is a string. */
const contentBlocks: Check = (v) =>
  Array.isArray(v) && v.every((b) => isObject(b) && typeof b.type === 'string' && (b.type !== 'text' || typeof b.text === 'string'))
    ? undefined
    : 'must be a list of content blocks';

/** Checks `fields` of `value` (an object, else refused) and throws at the first problem. */
function checkFields(method: string, value: unknown, where: string, fields: Record<string, Check>): Record<string, unknown> {
  if (!isObject(value)) throw new MalformedResultError(method, where, 'must be an object');
  for (const [key, check] of Object.entries(fields)) {
    const problem = check(value[key]);
    if (problem) throw new MalformedResultError(method, `${where}.${key}`, problem);
  }
  return value;
}

const TOOL_FIELDS: Record<string, Check> = {
  name: string,
  title: optional(string),
  description: optional(string),
  inputSchema: objectSchema,
  outputSchema: optional(objectSchema),
  annotations: optional(object),
  execution: optional(object),
  _meta: optional(object),
};

const cursor: Check = (v) =>
  v === undefined ? undefined : typeof v !== 'string' ? 'must be a string' : v.length > MAX_CURSOR_LENGTH ? `has ${v.length} characters (at most ${MAX_CURSOR_LENGTH})` : undefined;

/** tools/list: `{ tools: Tool[], nextCursor? }`; the first bad tool is named. */
export function checkListToolsResult(result: unknown): ListToolsResult {
  const method = 'tools/list';
  const r = checkFields(method, result, 'result', { tools: (v) => (Array.isArray(v) ? undefined : 'must be a list'), nextCursor: cursor });
  (r.tools as unknown[]).forEach((tool, i) => checkFields(method, tool, `tools[${i}]`, TOOL_FIELDS));
  return r as unknown as ListToolsResult;
}

/** initialize: protocol version, capabilities and server info. The version must be one we speak. */
export function checkInitializeResult(result: unknown): InitializeResult {
  const method = 'initialize';
  const r = checkFields(method, result, 'result', { protocolVersion: string, capabilities: object, serverInfo: object, instructions: optional(string) });
  checkFields(method, r.serverInfo, 'serverInfo', { name: string, version: string });
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(r.protocolVersion as string)) {
    throw new Error(`Server's protocol version is not supported: ${(r.protocolVersion as string).slice(0, 64)}`);
  }
  return r as unknown as InitializeResult;
}

/** tools/call: content blocks, optional isError and structuredContent. */
export function checkCallToolResult(result: unknown): CallToolResult {
  return checkFields('tools/call', result, 'result', {
    content: optional(contentBlocks),
    isError: optional(boolean),
    structuredContent: optional(object),
  }) as unknown as CallToolResult;
}
