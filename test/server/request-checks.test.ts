/**
 * The transport checks each request's and notification's envelope by hand (the hot path); it must accept exactly
 * what the SDK's JSONRPCRequestSchema accepts, or the SDK Protocol would get a message it drops
 * unanswered (an HTTP response left open) or refuse one it could serve.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isInitializeRequest, isJSONRPCNotification, isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage } from 'node:http';
import { isInitialize, messageKind, requestInfo, surelyInitialize } from '../../src/core/server/streamable-http/request-checks';

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

test('the hand check of a notification accepts exactly what the SDK schema accepts', () => {
  let compared = 0;
  for (const p of params) {
    for (const extra of [undefined, { extra: 1 }, { result: {} }, { id: undefined }]) {
      const m: Record<string, unknown> = { jsonrpc: '2.0', method: 'notifications/initialized', ...extra };
      if (p !== undefined) m.params = p;
      const sdk = isJSONRPCNotification(m);
      assert.equal(messageKind(m) === 'notification', sdk, `${JSON.stringify(m)}: the SDK says ${sdk}`);
      compared++;
    }
  }
  assert.ok(compared > 100);
});

/** Parts of initialize params, odd and usual. */
const anyJson = fc.oneof(fc.constantFrom(null, 1, 'x', true, [], [{}], {}, { a: 1 }, { a: {} }), fc.dictionary(fc.constantFrom('a', 'b'), fc.constantFrom({}, 1, null)));
const capability = fc.oneof(
  fc.constantFrom({}, { listChanged: true }, { listChanged: 'yes' }, { context: {} }, { tools: {} }, { context: 1 }, { form: {} }, { url: {} }, { requests: {} }, { x: {} }),
  anyJson,
);
const capabilities = fc.oneof(fc.dictionary(fc.constantFrom('roots', 'sampling', 'elicitation', 'experimental', 'tasks', 'extensions', 'other'), capability, { maxKeys: 4 }), anyJson);
const clientInfo = fc.oneof(
  fc.record({ name: fc.constantFrom('c', 1), version: fc.constantFrom('1', null) }, { requiredKeys: [] }),
  fc.record({ name: fc.constant('c'), version: fc.constant('1'), title: fc.constantFrom('T', 2), websiteUrl: fc.constantFrom('https://x', {}), description: fc.constantFrom('d', []), icons: fc.constantFrom([], [{ src: 'x' }], 'i') }, { requiredKeys: ['name', 'version'] }),
  anyJson,
);
const usualCapability = fc.constantFrom({}, { listChanged: true }, { listChanged: false }, { listChanged: 'yes' }, { x: {} }, { context: 1 }, { x: 1 });
const usual = fc.record({
  protocolVersion: fc.constantFrom('2025-06-18', '2025-11-25', '1999-01-01'),
  capabilities: fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.constantFrom('roots', 'sampling', 'elicitation', 'experimental', 'tasks', 'extensions'), usualCapability, { maxKeys: 3 }) }, { weight: 1, arbitrary: capabilities }),
  clientInfo: fc.oneof({ weight: 4, arbitrary: fc.record({ name: fc.constant('c'), version: fc.constant('1'), title: fc.constant('T') }, { requiredKeys: ['name', 'version'] }) }, { weight: 1, arbitrary: clientInfo }),
});
const initParams = fc.oneof(
  { weight: 2, arbitrary: usual },
  fc.record(
    { protocolVersion: fc.constantFrom('2025-06-18', '1999-01-01', 7), capabilities, clientInfo, _meta: fc.constantFrom({}, { progressToken: 1 }, { progressToken: 1.5 }, null), extra: anyJson },
    { requiredKeys: ['protocolVersion', 'capabilities', 'clientInfo'] },
  ),
  anyJson,
);

test('an initialize the hand check vouches for is one the SDK accepts; isInitialize says what the SDK says', () => {
  let sure = 0;
  fc.assert(
    fc.property(initParams, fc.constantFrom('initialize', 'ping'), (p, method) => {
      const m = { jsonrpc: '2.0', id: 1, method, params: p };
      const sdk = isInitializeRequest(m);
      const hand = surelyInitialize(m);
      if (hand === true) {
        sure++;
        assert.ok(sdk, `vouched for what the SDK refuses: ${JSON.stringify(m)}`);
      }
      if (hand === false) assert.equal(sdk, false, JSON.stringify(m));
      assert.equal(isInitialize(m), sdk, JSON.stringify(m));
    }),
    { numRuns: 4000 },
  );
  assert.ok(sure > 200, `vouched for ${sure}`);
  // the SDK client's, VS Code-like and Inspector-like initializes are vouched for
  for (const capabilities of [{}, { roots: { listChanged: true }, sampling: {}, elicitation: {} }, { experimental: { x: {} } }]) {
    assert.equal(surelyInitialize({ method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'c', version: '1' } } }), true, JSON.stringify(capabilities));
  }
});

test("a request's info: its headers, its URL parsed once when read, and nothing else when copied or serialized", () => {
  const req = { url: '/mcp?x=1', headers: { host: '127.0.0.1:9', authorization: 'Bearer t' } } as unknown as IncomingMessage;
  const info = requestInfo(req)!;
  assert.equal(info.headers, req.headers);
  assert.equal(info.url!.href, 'http://127.0.0.1:9/mcp?x=1');
  assert.equal(info.url, info.url, 'parsed once');
  assert.deepEqual(JSON.parse(JSON.stringify(info)), { headers: req.headers });
  const bare = requestInfo({ headers: {} } as unknown as IncomingMessage)!;
  assert.equal(bare.url!.href, 'http://localhost/');
});
