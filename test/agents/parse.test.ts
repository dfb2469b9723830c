import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AGENT_DEFAULTS, agentId, formatDiagnostic, parseAgentFile, type AgentDiagnostic } from '../../src/core/agents';

const FILE = '/ws/agents/reviewer.agent.md';

/** `line:col-endLine:endCol severity code` for compact exact assertions. */
function where(d: AgentDiagnostic): string {
  return `${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.severity} ${d.code}`;
}

function parse(text: string, opts?: Parameters<typeof parseAgentFile>[2]) {
  return parseAgentFile(text, FILE, opts);
}

const lines = (...l: string[]) => l.join('\n');

describe('parseAgentFile: valid files and defaults', () => {
  it('builds an agent with defaults from AGENT_DEFAULTS', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: reviewer', 'description: Reviews a diff.', '---', '', 'You review.', ''));
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(agent, {
      id: agentId(FILE),
      name: 'reviewer',
      description: 'Reviews a diff.',
      provider: 'editor',
      maxLoops: AGENT_DEFAULTS.maxLoops,
      timeout: AGENT_DEFAULTS.timeout,
      maxRetries: AGENT_DEFAULTS.maxRetries,
      maxConcurrency: AGENT_DEFAULTS.maxConcurrency,
      queueLimit: AGENT_DEFAULTS.queueLimit,
      tags: [],
      capabilities: [],
      role: 'worker',
      systemPrompt: 'You review.',
      source: { file: FILE, kind: 'aop' },
    });
  });

  it('maps every key and keeps explicit values', () => {
    const { agent, diagnostics } = parse(
      lines(
        '---',
        'name: rev_2',
        'description: d',
        'model: gpt-4o',
        'provider: openai',
        'base_url: http://127.0.0.1:11434/v1',
        'api_key_env: OLLAMA_KEY',
        'temperature: 0.2',
        'max_tokens: 2048',
        'max_loops: 3',
        'timeout: 1.5',
        'max_retries: 0',
        'max_concurrency: 8',
        'queue_limit: 0',
        'tags: [review, code]',
        'capabilities: [code-review]',
        'role: reviewer',
        '---',
        'Prompt',
      ),
      { root: '/ws' },
    );
    assert.deepEqual(diagnostics, []);
    assert.ok(agent);
    assert.equal(agent.id, agentId(FILE, '/ws'));
    assert.deepEqual(
      { ...agent, id: undefined },
      {
        id: undefined,
        name: 'rev_2',
        description: 'd',
        model: 'gpt-4o',
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:11434/v1',
        apiKeyEnv: 'OLLAMA_KEY',
        temperature: 0.2,
        maxTokens: 2048,
        maxLoops: 3,
        timeout: 1.5,
        maxRetries: 0,
        maxConcurrency: 8,
        queueLimit: 0,
        tags: ['review', 'code'],
        capabilities: ['code-review'],
        role: 'reviewer',
        systemPrompt: 'Prompt',
        source: { file: FILE, kind: 'aop', root: '/ws' },
      },
    );
  });

  it('ids are stable, 16 hex digits, and depend on root and file', () => {
    assert.match(agentId(FILE), /^[0-9a-f]{16}$/);
    assert.equal(agentId(FILE, '/ws'), agentId(FILE, '/ws'));
    assert.notEqual(agentId(FILE, '/ws'), agentId(FILE, '/other'));
    assert.notEqual(agentId(FILE), agentId('/ws/agents/other.agent.md'));
  });

  it('infers the provider: command, then base_url, then the default option, then editor', () => {
    const head = 'name: a\ndescription: d\n';
    assert.equal(parse(`---\n${head}command: [echo]\n---\nx`, { defaultProvider: 'editor' }).agent?.provider, 'command');
    assert.equal(parse(`---\n${head}model: m\nbase_url: http://h/v1\n---\nx`, { defaultProvider: 'command' }).agent?.provider, 'openai');
    assert.equal(parse(`---\n${head}model: m\n---\nx`, { defaultProvider: 'openai' }).agent?.provider, 'openai');
    assert.equal(parse(`---\n${head}---\nx`).agent?.provider, 'editor');
    assert.equal(parse(`---\n${head}provider: editor\ncommand: [echo]\n---\nx`).agent?.provider, 'editor');
  });

  it('splits a command string like a shell', () => {
    const { agent } = parse(lines('---', 'name: a', 'description: d', `command: claude -p 'two words' "say \\"hi\\"" a\\ b`, '---', 'x'));
    assert.deepEqual(agent?.command, ['claude', '-p', 'two words', 'say "hi"', 'a b']);
    const list = parse(lines('---', 'name: a', 'description: d', 'command: [python3, agent.py, --fast]', '---', 'x'));
    assert.deepEqual(list.agent?.command, ['python3', 'agent.py', '--fast']);
  });

  it('handles CRLF line endings and a BOM', () => {
    const { agent, diagnostics } = parse('\ufeff---\r\nname: a\r\ndescription: d\r\ntemprature: 1\r\n---\r\nBody\r\n');
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['4:1-4:11 error unknown-key']);
  });

  it('formats diagnostics as file:line:col', () => {
    const [d] = parse('no front matter').diagnostics;
    assert.equal(formatDiagnostic(d), `${FILE}:1:1 error ${d.message} [no-front-matter]`);
  });
});

describe('parseAgentFile: diagnostics with exact ranges', () => {
  it('no-front-matter: first line', () => {
    const { agent, diagnostics } = parse('You are a reviewer.\nMore.');
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['1:1-1:20 error no-front-matter']);
  });

  it('no-front-matter: opened but never closed', () => {
    const { diagnostics } = parse('---\nname: a\ndescription: d\nbody');
    assert.deepEqual(diagnostics.map(where), ['1:1-1:4 error no-front-matter']);
    assert.match(diagnostics[0].message, /not closed/);
  });

  it('yaml-syntax: position is relative to the whole file', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: a: b', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['3:14-3:15 error yaml-syntax']);
    assert.match(diagnostics[0].message, /compact mappings/);
  });

  it('yaml-syntax: duplicate keys', () => {
    const { diagnostics } = parse(lines('---', 'name: a', 'description: d', 'name: b', '---', 'x'));
    assert.deepEqual(diagnostics.map(where), ['4:1-4:5 error yaml-syntax']);
    assert.match(diagnostics[0].message, /unique/);
  });

  it('unknown-key with did-you-mean on the key', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: d', 'temprature: 0.2', 'maxTokens: 5', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['4:1-4:11 error unknown-key', '5:1-5:10 error unknown-key']);
    assert.equal(diagnostics[0].message, 'unknown key `temprature`; did you mean `temperature`?');
    assert.equal(diagnostics[1].message, 'unknown key `maxTokens`; did you mean `max_tokens`?');
  });

  it('unknown-key without a close match lists the known keys', () => {
    const { diagnostics } = parse(lines('---', 'name: a', 'description: d', 'zzz: 1', '---', 'x'));
    assert.deepEqual(diagnostics.map(where), ['4:1-4:4 error unknown-key']);
    assert.doesNotMatch(diagnostics[0].message, /did you mean/);
    assert.match(diagnostics[0].message, /known keys: name, description, model/);
  });

  it('unknown-key for secrets points to api_key_env', () => {
    const { diagnostics } = parse(lines('---', 'name: a', 'description: d', 'api_key: sk-123', '---', 'x'));
    assert.deepEqual(diagnostics.map(where), ['4:1-4:8 error unknown-key']);
    assert.match(diagnostics[0].message, /api_key_env/);
  });

  it('invalid-value: range on the value node, nested paths included', () => {
    const { agent, diagnostics } = parse(
      lines('---', 'name: a', 'description: d', 'temperature: 3', 'tags: [ok, 12]', 'max_loops: 1.5', 'provider: gpt', 'base_url: nope', 'timeout: 30s', '---', 'x'),
    );
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), [
      '4:14-4:15 error invalid-value',
      '5:12-5:14 error invalid-value',
      '6:12-6:15 error invalid-value',
      '7:11-7:14 error invalid-value',
      '8:11-8:15 error invalid-value',
      '9:10-9:13 error invalid-value',
    ]);
    assert.deepEqual(diagnostics.map((d) => d.message), [
      '`temperature` must be at most 2 (got 3)',
      '`tags[1]` must be text, not 12',
      '`max_loops` must be a whole number, not 1.5',
      '`provider` must be one of editor, openai, command, not "gpt"',
      '`base_url` must be a URL such as http://127.0.0.1:11434/v1, not "nope"',
      '`timeout` must be a number, not "30s"',
    ]);
  });

  it('invalid-value: front matter that is not a mapping', () => {
    const { diagnostics } = parse(lines('---', '- a', '- b', '---', 'x'));
    assert.deepEqual(diagnostics.map(where), ['2:1-3:4 error invalid-value']);
  });

  it('invalid-name: explains the tool-name rule', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: code reviewer', 'description: d', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['2:7-2:20 error invalid-name']);
    assert.match(diagnostics[0].message, /1-40 characters of letters, digits, "_" or "-"/);
    const long = parse(lines('---', `name: ${'a'.repeat(41)}`, 'description: d', '---', 'x'));
    assert.deepEqual(long.diagnostics.map(where), ['2:7-2:48 error invalid-name']);
  });

  it('missing-key: on the opening line, one per key', () => {
    const { agent, diagnostics } = parse(lines('---', 'model: m', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['1:1-1:4 error missing-key', '1:1-1:4 error missing-key']);
    assert.deepEqual(diagnostics.map((d) => d.message.split(' (')[0]), ['missing required key `name`', 'missing required key `description`']);
  });

  it('missing-key: provider command without command, on the provider value', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: d', 'provider: command', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['4:11-4:18 error missing-key']);
    assert.match(diagnostics[0].message, /needs `command`/);
  });

  it('missing-key: default provider command without command, on the opening line', () => {
    const { diagnostics } = parse(lines('---', 'name: a', 'description: d', '---', 'x'), { defaultProvider: 'command' });
    assert.deepEqual(diagnostics.map(where), ['1:1-1:4 error missing-key']);
  });

  it('missing-key: openai without model', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: d', 'base_url: http://h/v1', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['1:1-1:4 error missing-key']);
    assert.match(diagnostics[0].message, /openai.*needs `model`/);
  });

  it('empty-prompt is a warning on the closing line; the agent is still returned', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: d', '---', '', '   ', ''));
    assert.equal(agent?.systemPrompt, '');
    assert.deepEqual(diagnostics.map(where), ['4:1-4:4 warning empty-prompt']);
  });

  it('unused-key warns about keys the chosen provider ignores', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: d', 'provider: editor', 'base_url: http://h/v1', '---', 'x'));
    assert.ok(agent);
    assert.deepEqual(diagnostics.map(where), ['5:1-5:9 warning unused-key']);
  });

  it('invalid-value: unclosed quote in a command string', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: a', 'description: d', `command: "run 'x"`, '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['4:10-4:18 error invalid-value']);
    assert.match(diagnostics[0].message, /unclosed single quote/);
  });

  it('reports all problems of a file at once, sorted by position', () => {
    const { diagnostics } = parse(lines('---', 'nmae: a', 'description: d', 'temperature: -1', '---', 'x'));
    assert.deepEqual(diagnostics.map(where), ['1:1-1:4 error missing-key', '2:1-2:5 error unknown-key', '4:14-4:16 error invalid-value']);
    assert.match(diagnostics[1].message, /did you mean `name`\?/);
  });
});

it('agentId is the first 16 hex digits of sha256(root NUL file), the same on every Node', () => {
  for (const [file, root] of [['/ws/a.agent.md', '/ws'], ['/ws/ü/b.agent.md', undefined]] as const) {
    assert.equal(agentId(file, root), createHash('sha256').update(`${root ?? ''}\0${file}`).digest('hex').slice(0, 16));
  }
});
