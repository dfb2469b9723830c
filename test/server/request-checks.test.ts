/**
 * The transport checks each request's envelope by hand (the hot path); it must accept exactly
 * what the SDK's JSONRPCRequestSchema accepts, or the SDK Protocol would get a message it drops
 * unanswered (an HTTP response left open) or refuse one it could serve.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { messageKind } from '../../src/core/server/streamable-http/request-checks';

const RELATED = 'io.modelcontextprotocol/related-task';

const ids: unknown[] = [1, 0, -3, 'a', '', 1.5, 2 ** 60, Number.MAX_SAFE_INTEGER];
const params: unknown[] = [
  undefined,
  {},
  { name: 'x' },
  null,
  [],
  [1],
  'str',
  7,
  { _meta: {} },
  { _meta: null },
  { _meta: [] },
  { _meta: 'm' },
  { _meta: { progressToken: 1 } },
  { _meta: { progressToken: 'p' } },
  { _meta: { progressToken: 1.5 } },
  { _meta: { progressToken: null } },
  { _meta: { progressToken: {} } },
  { _meta: { progressToken: 2 ** 60 } },
  { _meta: { other: { deep: true } } },
  { _meta: { [RELATED]: { taskId: 't' } } },
  { _meta: { [RELATED]: { taskId: 3 } } },
  { _meta: { [RELATED]: {} } },
  { _meta: { [RELATED]: null } },
  { _meta: { [RELATED]: 't' } },
  { _meta: { [RELATED]: { taskId: 't', more: 1 } } },
  { task: { ttl: 5 }, name: 'x', arguments: { a: 1 } },
];

test('the hand check of a request accepts exactly what the SDK schema accepts', () => {
  let compared = 0;
  for (const id of ids) {
    for (const p of params) {
      for (const extra of [undefined, { extra: 1 }, { result: {} }]) {
        const m: Record<string, unknown> = { jsonrpc: '2.0', id, method: 'tools/call', ...extra };
        if (p !== undefined) m.params = p;
        const sdk = isJSONRPCRequest(m);
        assert.equal(messageKind(m) === 'request', sdk, `${JSON.stringify(m)}: the SDK says ${sdk}`);
        compared++;
      }
    }
  }
  assert.ok(compared > 500);
  // what JSON cannot say but an object can
  assert.equal(messageKind({ jsonrpc: '2.0', id: 1, method: 'm', params: undefined }), isJSONRPCRequest({ jsonrpc: '2.0', id: 1, method: 'm', params: undefined }) ? 'request' : undefined);
});
