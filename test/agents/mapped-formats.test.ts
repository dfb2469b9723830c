import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentFile, sourceKindOf, type AgentDiagnostic } from '../../src/core/agents';

const where = (d: AgentDiagnostic) => `${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.severity} ${d.code}`;
const lines = (...l: string[]) => l.join('\n');

describe('VS Code custom agents (.github/agents/*.agent.md)', () => {
  const FILE = '/ws/.github/agents/Plan.agent.md';
  const parse = (text: string) => parseAgentFile(text, FILE, { kind: 'vscode', root: '/ws' });

  it('ignores VS Code keys, derives the name from the file, takes the first model', () => {
    const { agent, diagnostics } = parse(
      lines(
        '---',
        'description: Generate an implementation plan',
        "tools: ['search', 'fetch']",
        "model: ['Claude Sonnet 4.5 (copilot)', 'GPT-5 (copilot)']",
        'argument-hint: Describe the feature',
        'target: vscode',
        'user-invocable: true',
        'handoffs:',
        '  - label: Implement',
        '    agent: agent',
        '    prompt: Implement the plan.',
        'mcp-servers: {}',
        '---',
        'You are in planning mode.',
      ),
    );
    // Editor built-ins are kept out of the agent's tools with one info finding on `tools`.
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.line]),
      [['info', 'editor-tool', 3]],
    );
    assert.match(diagnostics[0].message, /`search`, `fetch` exist only inside VS Code's own chat/);
    assert.ok(agent);
    assert.equal(agent.tools, undefined);
    assert.equal(agent.name, 'Plan');
    assert.equal(agent.description, 'Generate an implementation plan');
    assert.equal(agent.model, 'Claude Sonnet 4.5 (copilot)');
    assert.equal(agent.provider, 'editor');
    assert.equal(agent.systemPrompt, 'You are in planning mode.');
    assert.deepEqual(agent.source, { file: FILE, kind: 'vscode', root: '/ws' });
  });

  it('sanitizes a display name into a tool name, with an info on the name', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: Security Reviewer (v2)', 'description: d', '---', 'x'));
    assert.equal(agent?.name, 'Security-Reviewer-v2');
    assert.deepEqual(diagnostics.map(where), ['2:7-2:29 info name-sanitized']);
  });

  it('accepts a file without front matter; description falls back to the first prompt line (warning)', () => {
    const { agent, diagnostics } = parse('# Plans features\n\nThink first.');
    assert.equal(agent?.name, 'Plan');
    assert.equal(agent?.description, 'Plans features');
    assert.deepEqual(diagnostics.map(where), ['1:1-1:1 warning missing-key']);
  });

  it('a genuinely unknown key is a warning with did-you-mean, not an error', () => {
    const { agent, diagnostics } = parse(lines('---', 'description: d', 'handofs: []', 'colour: red', '---', 'x'));
    assert.ok(agent);
    assert.deepEqual(diagnostics.map(where), ['3:1-3:8 warning unknown-key', '4:1-4:7 warning unknown-key']);
    assert.equal(diagnostics[0].message, 'unknown key `handofs`; did you mean `handoffs`?');
  });

  it('still validates AOP keys given in a VS Code file', () => {
    const { agent, diagnostics } = parse(lines('---', 'description: d', 'temperature: hot', '---', 'x'));
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['3:14-3:17 error invalid-value']);
  });
});

describe('Claude Code subagents (.claude/agents/*.md)', () => {
  const FILE = '/ws/.claude/agents/code-reviewer.md';
  const parse = (text: string) => parseAgentFile(text, FILE, { kind: 'claude' });

  it('ignores Claude keys; model inherit means no model', () => {
    const { agent, diagnostics } = parse(
      lines(
        '---',
        'name: code-reviewer',
        'description: Expert code review specialist. Use proactively after writing code.',
        'tools: Read, Grep, Glob, Bash',
        'model: inherit',
        'color: blue',
        'permissionMode: plan',
        'maxTurns: 5',
        'skills: [style]',
        '---',
        'You are a senior code reviewer.',
      ),
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.line]),
      [['info', 'editor-tool', 4]],
    );
    assert.match(diagnostics[0].message, /`Read`, `Grep`, `Glob`, `Bash` exist only inside Claude Code's own chat/);
    assert.equal(agent?.maxTurns, 5, 'maxTurns maps to max_turns');
    assert.equal(agent?.name, 'code-reviewer');
    assert.equal(agent?.model, undefined);
    assert.equal(agent?.source.kind, 'claude');
  });

  it('keeps a model alias and derives a missing name from the file name', () => {
    const { agent } = parse(lines('---', 'description: d', 'model: sonnet', '---', 'x'));
    assert.equal(agent?.model, 'sonnet');
    assert.equal(agent?.name, 'code-reviewer');
  });

  it('cuts an overlong description to 1024 characters with a warning', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: r', `description: ${'x'.repeat(1500)}`, '---', 'x'));
    assert.equal(agent?.description.length, 1024);
    assert.deepEqual(diagnostics.map(where), ['3:14-3:1514 warning invalid-value']);
  });

  it('unknown key is a warning', () => {
    const { agent, diagnostics } = parse(lines('---', 'name: r', 'description: d', 'permisionMode: plan', '---', 'x'));
    assert.ok(agent);
    assert.deepEqual(diagnostics.map(where), ['4:1-4:14 warning unknown-key']);
    assert.match(diagnostics[0].message, /did you mean `permissionMode`\?/);
  });

  it('a foreign key in a plain AOP file is an error that names its format', () => {
    const { agent, diagnostics } = parseAgentFile(lines('---', 'name: r', 'description: d', 'permissionMode: plan', '---', 'x'), '/ws/r.agent.md');
    assert.equal(agent, undefined);
    assert.deepEqual(diagnostics.map(where), ['4:1-4:15 error unknown-key']);
    assert.match(diagnostics[0].message, /Claude Code subagents/);
  });
});

describe('sourceKindOf', () => {
  it('decides the format by folder', () => {
    assert.equal(sourceKindOf('/ws/.github/agents/a.agent.md'), 'vscode');
    assert.equal(sourceKindOf('/ws/.claude/agents/a.md'), 'claude');
    assert.equal(sourceKindOf('/ws/agents/a.agent.md'), 'aop');
    assert.equal(sourceKindOf('/ws/.github/agents/sub/a.agent.md'), 'aop');
  });
});
