import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AGENT_DEFAULTS, type AgentDefinition } from '../../src/core/agents/definition';
import {
  CommandChatModel,
  createModelResolver,
  InstantChatModel,
  isAbortError,
  ModelError,
  OpenAiChatModel,
  type ChatModel,
  type ChatRequest,
} from '../../src/core/models';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';

const SUPPORT = path.join(__dirname, '..', 'support');

function agent(overrides: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    id: 'id-1',
    name: 'helper',
    description: 'Helps.',
    provider: 'openai',
    tags: [],
    capabilities: [],
    systemPrompt: 'You help.',
    source: { file: path.join(SUPPORT, 'helper.agent.md'), kind: 'aop' },
    ...AGENT_DEFAULTS,
    ...overrides,
  };
}

function req(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { system: 'sys', task: 'task', signal: new AbortController().signal, ...overrides };
}

function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

describe('createModelResolver', { timeout: 30_000 }, () => {
  let server: FakeOpenAi;
  before(async () => {
    server = await startFakeOpenAi();
  });
  after(() => server.close());

  it('resolves the openai base URL in order: agent, option, AOP_OPENAI_BASE_URL, OPENAI_BASE_URL, default', () => {
    const env = { AOP_OPENAI_BASE_URL: 'http://aop.local/v1', OPENAI_BASE_URL: 'http://openai.local/v1', OPENAI_API_KEY: 'k' };
    const urlOf = (resolve: ReturnType<typeof createModelResolver>, a = agent()) => (resolve(a) as OpenAiChatModel).baseUrl;
    assert.equal(urlOf(createModelResolver({ env, defaultBaseUrl: 'http://opt/v1' }), agent({ baseUrl: 'http://agent/v1' })), 'http://agent/v1');
    assert.equal(urlOf(createModelResolver({ env, defaultBaseUrl: 'http://opt/v1' })), 'http://opt/v1');
    assert.equal(urlOf(createModelResolver({ env })), 'http://aop.local/v1');
    assert.equal(urlOf(createModelResolver({ env: { OPENAI_BASE_URL: 'http://openai.local/v1' } })), 'http://openai.local/v1');
    assert.equal(urlOf(createModelResolver({ env: { OPENAI_API_KEY: 'k' } })), 'https://api.openai.com/v1');
  });

  it('sends the key from the api_key_env variable and the agent model', async () => {
    const resolve = createModelResolver({ env: { MY_KEY: 'sk-from-env' } });
    const model = resolve(agent({ baseUrl: server.url, apiKeyEnv: 'MY_KEY', model: 'llama3' }));
    assert.ok(model instanceof OpenAiChatModel);
    server.requests.length = 0;
    assert.equal((await model.complete(req())).text, 'echo: task');
    assert.equal(server.requests[0].headers.authorization, 'Bearer sk-from-env');
    assert.equal(server.requests[0].body.model, 'llama3');
  });

  it('needs no key for a local server, but fails clearly when a named key variable is unset', () => {
    const resolve = createModelResolver({ env: {} });
    assert.ok(resolve(agent({ baseUrl: server.url })) instanceof OpenAiChatModel);
    const error = thrown(() => resolve(agent({ id: 'id-2', baseUrl: server.url, apiKeyEnv: 'MISSING_KEY' })));
    assert.ok(error instanceof ModelError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /MISSING_KEY is not set/);
    const cloud = thrown(() => resolve(agent({ id: 'id-3' })));
    assert.match(cloud.message, /OPENAI_API_KEY is not set/);
  });

  it('caches model instances per agent id and settings', () => {
    const env: NodeJS.ProcessEnv = { OPENAI_API_KEY: 'k1' };
    const resolve = createModelResolver({ env });
    const a = agent({ baseUrl: 'http://x/v1', model: 'a' });
    const first = resolve(a);
    assert.equal(resolve({ ...a }), first);
    assert.notEqual(resolve({ ...a, model: 'b' }), first, 'new settings, new instance');
    const second = resolve({ ...a, model: 'b' });
    assert.equal(resolve({ ...a, model: 'b' }), second);
    env.OPENAI_API_KEY = 'k2';
    assert.notEqual(resolve({ ...a, model: 'b' }), second, 'a changed key gives a new instance');
    assert.notEqual(resolve({ ...a, id: 'other', model: 'b' }), resolve({ ...a, model: 'b' }));
  });

  it('runs command agents in the directory of the agent file', async () => {
    const resolve = createModelResolver({ env: process.env });
    const model = resolve(
      agent({ provider: 'command', command: [process.execPath, path.join(SUPPORT, 'echo-agent.js'), 'cwd'] }),
    );
    assert.ok(model instanceof CommandChatModel);
    assert.equal((await model.complete(req())).text, SUPPORT);
  });

  it('passes the agent name and model to command agents', async () => {
    const resolve = createModelResolver();
    const model = resolve(
      agent({ name: 'echoer', model: 'tiny', provider: 'command', command: [process.execPath, path.join(SUPPORT, 'echo-agent.js')] }),
    );
    const text = (await model.complete(req({ task: 'hi' }))).text;
    assert.match(text, /^agent: echoer$/m);
    assert.match(text, /^model: tiny$/m);
  });

  it('rejects a command agent without a command', () => {
    const error = thrown(() => createModelResolver()(agent({ provider: 'command' })));
    assert.equal(error.retryable, false);
  });

  it('needs VS Code for provider editor unless an editor factory is given', () => {
    const error = thrown(() => createModelResolver()(agent({ provider: 'editor' })));
    assert.ok(error instanceof ModelError);
    assert.equal(error.retryable, false);
    assert.equal(error.message, 'provider "editor" needs VS Code; run inside the extension or set provider: openai/command');
    const editorModel = new InstantChatModel();
    const seen: string[] = [];
    const resolve = createModelResolver({ editor: (a) => (seen.push(a.name), editorModel) });
    assert.equal(resolve(agent({ provider: 'editor' })), editorModel);
    assert.deepEqual(seen, ['helper']);
  });

  it('overrides win: map by id or name, or a function', () => {
    const byId = new InstantChatModel();
    const byName = new InstantChatModel();
    const map = new Map<string, ChatModel>([
      ['id-1', byId],
      ['named', byName],
    ]);
    const resolve = createModelResolver({ overrides: map });
    assert.equal(resolve(agent({ provider: 'editor' })), byId);
    assert.equal(resolve(agent({ id: 'zzz', name: 'named', provider: 'editor' })), byName);
    assert.throws(() => resolve(agent({ id: 'zzz', provider: 'editor' })), ModelError);

    const fn = createModelResolver({ overrides: (a) => (a.name === 'helper' ? byName : undefined), env: { OPENAI_API_KEY: 'k' } });
    assert.equal(fn(agent()), byName);
    assert.ok(fn(agent({ name: 'other' })) instanceof OpenAiChatModel);
  });
});

describe('InstantChatModel', { timeout: 30_000 }, () => {
  it('answers synchronously-resolved with a function of the task', async () => {
    const model = new InstantChatModel((task) => task.toUpperCase(), { id: 'upper' });
    const deltas: string[] = [];
    const answer = await model.complete(req({ task: 'abc', onText: (d) => deltas.push(d) }));
    assert.equal(answer.text, 'ABC');
    assert.deepEqual(deltas, ['ABC']);
    assert.equal(model.calls, 1);
    assert.equal(model.id, 'upper');
    assert.equal((await new InstantChatModel().complete(req({ task: 'same' }))).text, 'same');
  });

  it('rejects when aborted or when the function throws', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(new InstantChatModel().complete(req({ signal: controller.signal })), (e) => isAbortError(e));
    const failing = new InstantChatModel(() => {
      throw new ModelError('nope', false);
    });
    await assert.rejects(failing.complete(req()), /nope/);
  });
});

describe('fake OpenAI server scripts', { timeout: 30_000 }, () => {
  it('calls a script function with the recorded request and the chat request count', async () => {
    const server = await startFakeOpenAi((request, n) => ({ text: `#${n} ${request.body.messages.at(-1).content}` }));
    try {
      const model = new OpenAiChatModel({ baseUrl: server.url });
      assert.equal((await model.complete(req({ task: 'a' }))).text, '#0 a');
      assert.equal((await model.complete(req({ task: 'b' }))).text, '#1 b');
      const res = await fetch(`${server.url}/nope`);
      assert.equal(res.status, 404);
      assert.equal(server.requests.length, 3);
      assert.equal(server.chatRequests.length, 2);
      assert.ok(server.requests.every((r) => r.endedAt !== undefined && !r.aborted));
    } finally {
      await server.close();
    }
  });

  it('close() ends hanging requests', async () => {
    const server = await startFakeOpenAi({ hang: true });
    const model = new OpenAiChatModel({ baseUrl: server.url });
    const call = model.complete(req());
    await server.waitFor(() => server.requests.length === 1);
    await server.close();
    await assert.rejects(call, ModelError);
  });
});
