/**
 * Discovery reads initialize, tools/list and discover_agents results with hand checks
 * (src/core/mcp-client/result-checks.ts) instead of the SDK's zod schemas. On the fields they
 * check they must agree with those schemas: accept what the SDK accepts (or a real server's answer
 * would be refused) and refuse what it refuses (or a malformed answer would reach the registry).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CallToolResultSchema,
  InitializeResultSchema,
  LATEST_PROTOCOL_VERSION as SDK_LATEST,
  ListToolsResultSchema,
  RELATED_TASK_META_KEY as SDK_RELATED_TASK,
  SUPPORTED_PROTOCOL_VERSIONS as SDK_SUPPORTED,
} from '@modelcontextprotocol/sdk/types.js';
import { LATEST_PROTOCOL_VERSION, RELATED_TASK_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '../../src/core/mcp-protocol';
import {
  MAX_CURSOR_LENGTH,
  checkCallToolResult,
  checkInitializeResult,
  checkListToolsResult,
} from '../../src/core/mcp-client/result-checks';

const accepts = (check: (v: unknown) => unknown, v: unknown) => {
  try {
    check(v);
    return true;
  } catch {
    return false;
  }
};

/** Each case: the hand check and the SDK schema say the same. */
function agree(name: string, check: (v: unknown) => unknown, schema: { safeParse(v: unknown): { success: boolean } }, cases: unknown[]): number {
  for (const c of cases) {
    const sdk = schema.safeParse(c).success;
    assert.equal(accepts(check, c), sdk, `${name}: ${JSON.stringify(c)}: the SDK says ${sdk}`);
  }
  return cases.length;
}

test('the protocol versions and the related-task key are the SDK’s', () => {
  assert.deepEqual([...SUPPORTED_PROTOCOL_VERSIONS], [...SDK_SUPPORTED]);
  assert.equal(LATEST_PROTOCOL_VERSION, SDK_LATEST);
  assert.equal(RELATED_TASK_META_KEY, SDK_RELATED_TASK);
});

test('initialize results: the hand check accepts what InitializeResultSchema accepts', () => {
  const ok = { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 's', version: '1' } };
  const cases: unknown[] = [
    ok,
    { ...ok, capabilities: { tools: { listChanged: true }, tasks: { requests: { tools: { call: {} } } } } },
    { ...ok, instructions: 'use me' },
    { ...ok, serverInfo: { name: 's', version: '1', title: 'S' } },
    { ...ok, extra: 1 },
    { ...ok, protocolVersion: 7 },
    { ...ok, capabilities: undefined },
    { ...ok, capabilities: 'all' },
    { ...ok, serverInfo: undefined },
    { ...ok, serverInfo: { name: 's' } },
    { ...ok, serverInfo: { name: 1, version: '1' } },
    { ...ok, instructions: 3 },
    null,
    [],
    'initialized',
  ];
  assert.equal(agree('initialize', checkInitializeResult, InitializeResultSchema, cases), cases.length);
  // the SDK Client then refuses a version it does not speak; so does the hand check
  assert.throws(() => checkInitializeResult({ ...ok, protocolVersion: '1999-01-01' }), /protocol version is not supported: 1999-01-01/);
});

test('tools/list results: the hand check accepts what ListToolsResultSchema accepts', () => {
  const tool = { name: 't', inputSchema: { type: 'object' } };
  const page = (...tools: unknown[]) => ({ tools });
  const cases: unknown[] = [
    page(),
    page(tool),
    page(tool, { ...tool, name: 'u', description: 'd', title: 'T', annotations: { readOnlyHint: true }, _meta: { 'aop/agent': {} } }),
    page({ ...tool, inputSchema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } }),
    page({ ...tool, outputSchema: { type: 'object', properties: { r: { type: 'string' } } } }),
    page({ ...tool, execution: { taskSupport: 'optional' } }),
    { ...page(tool), nextCursor: 'c2' },
    { ...page(tool), nextCursor: 2 },
    { ...page(tool), extra: true },
    {},
    { tools: 'all' },
    { tools: {} },
    page(null),
    page('t'),
    page({ inputSchema: { type: 'object' } }),
    page({ ...tool, name: 3 }),
    page({ name: 't' }),
    page({ ...tool, inputSchema: { type: 'string' } }),
    page({ ...tool, inputSchema: 'object' }),
    page({ ...tool, inputSchema: { type: 'object', properties: { a: 'string' } } }),
    page({ ...tool, inputSchema: { type: 'object', properties: [] } }),
    page({ ...tool, inputSchema: { type: 'object', required: 'a' } }),
    page({ ...tool, inputSchema: { type: 'object', required: [1] } }),
    page({ ...tool, outputSchema: { type: 'array' } }),
    page({ ...tool, description: 5 }),
    page({ ...tool, title: false }),
    page({ ...tool, annotations: 'ro' }),
    page({ ...tool, _meta: 'm' }),
    page({ ...tool, execution: 'sync' }),
    page(tool, { ...tool, inputSchema: undefined }),
    null,
    [],
  ];
  assert.equal(agree('tools/list', checkListToolsResult, ListToolsResultSchema, cases), cases.length);
});

test('tools/list: a refused answer says where it broke; a cursor is bounded', () => {
  assert.throws(
    () => checkListToolsResult({ tools: [{ name: 'a', inputSchema: { type: 'object' } }, { name: 'b' }] }),
    { message: 'malformed tools/list result: tools[1].inputSchema must be a JSON Schema object with "type": "object"' },
  );
  assert.throws(() => checkListToolsResult({ tools: 'x' }), { message: 'malformed tools/list result: result.tools must be a list' });
  assert.throws(() => checkListToolsResult({ tools: [], nextCursor: 'c'.repeat(MAX_CURSOR_LENGTH + 1) }), /nextCursor has 4097 characters \(at most 4096\)/);
  assert.doesNotThrow(() => checkListToolsResult({ tools: [], nextCursor: 'c'.repeat(MAX_CURSOR_LENGTH) }));
});

test('tools/call results: the hand check accepts what CallToolResultSchema accepts', () => {
  const cases: unknown[] = [
    {},
    { content: [] },
    { content: [{ type: 'text', text: 'hi' }] },
    { content: [{ type: 'text', text: 'hi' }], isError: true },
    { content: [{ type: 'text', text: '{}' }], structuredContent: { agents: [] } },
    { content: [{ type: 'text', text: 'hi' }], _meta: { x: 1 } },
    { content: 'hi' },
    { content: [{ text: 'hi' }] },
    { content: [{ type: 'text' }] },
    { content: [{ type: 'text', text: 3 }] },
    { content: ['hi'] },
    { content: [], isError: 'yes' },
    { content: [], structuredContent: [] },
    { content: [], structuredContent: 'x' },
    null,
    'ok',
  ];
  assert.equal(agree('tools/call', checkCallToolResult, CallToolResultSchema, cases), cases.length);
});
