import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { agentFrontMatterSchema, AGENT_KEY_DOCS, AGENT_KEYS, findProgram, formatKeyDoc, keyDoc, keyTypeLabel } from '../../src/core/agents';
import { toKnownModels } from '../../src/language-server/agent-language-server';
import { isKnownModel } from '../../src/language-server/features/diagnostics';
import { outlineAgentFile, toLspRange } from '../../src/language-server/features/outline';

describe('shared key documentation', () => {
  it('documents every key of the schema, and nothing else', () => {
    assert.deepEqual([...AGENT_KEYS].sort(), Object.keys(agentFrontMatterSchema.shape).sort());
    for (const key of AGENT_KEYS) {
      assert.equal(AGENT_KEY_DOCS[key].key, key);
      assert.ok(AGENT_KEY_DOCS[key].example.startsWith(`${key}: `), key);
      // Each example is a valid value of the key.
      const value = AGENT_KEY_DOCS[key].example.slice(key.length + 2);
      const parsed = agentFrontMatterSchema.shape[key].safeParse(parseYaml(value));
      assert.ok(parsed.success, `${key}: ${value}`);
    }
    assert.equal(keyDoc('constructor'), undefined);
    assert.equal(keyDoc('timeout')?.default, '60');
  });

  it('reads types and bounds from the schema', () => {
    assert.equal(keyTypeLabel('temperature'), 'number 0–2');
    assert.equal(keyTypeLabel('max_retries'), 'whole number 0–20');
    assert.equal(keyTypeLabel('provider'), 'editor | openai | command');
    assert.equal(keyTypeLabel('command'), 'text or list of text');
    assert.match(formatKeyDoc('api_key_env'), /Default: `OPENAI_API_KEY` · Used by provider `openai`/);
  });
});

describe('language server helpers', () => {
  it('converts 1-based end-exclusive parser ranges to 0-based LSP ranges', () => {
    assert.deepEqual(toLspRange({ line: 2, column: 7, endLine: 2, endColumn: 16 }), {
      start: { line: 1, character: 6 },
      end: { line: 1, character: 15 },
    });
  });

  it('outlines broken YAML line by line', () => {
    const outline = outlineAgentFile('---\nname: x # the name\nro\nmodel: [a, b]\n---\nbody');
    assert.equal(outline.status, 'ok');
    assert.deepEqual(
      outline.entries.map((e) => [e.key, e.value, e.valueRange?.start.character, e.valueRange?.end.character]),
      [
        ['name', 'x', 6, 7],
        ['model', ['a', 'b'], 7, 13],
      ],
    );
  });

  it('normalizes known models and matches ids and families exactly, as the editor resolves them', () => {
    const known = toKnownModels(['gpt-4o', { id: 'claude-sonnet-4', family: 'claude-sonnet-4', vendor: 'copilot' }, 3, { name: 'no id' }]);
    assert.deepEqual(known, [{ id: 'gpt-4o' }, { id: 'claude-sonnet-4', family: 'claude-sonnet-4', name: undefined, vendor: 'copilot' }]);
    assert.ok(isKnownModel('gpt-4o', known));
    assert.ok(isKnownModel('claude-sonnet-4', known));
    assert.ok(!isKnownModel('GPT-4o', known));
    assert.ok(!isKnownModel('sonnet', known));
    assert.ok(!isKnownModel('gpt-5', known));
  });

  it('finds programs on PATH and paths relative to the agent folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aop-prog-'));
    try {
      await writeFile(join(dir, 'tool'), '#!/bin/sh\n');
      await chmod(join(dir, 'tool'), 0o755);
      await writeFile(join(dir, 'plain'), 'not executable');
      const env = { PATH: dir };
      assert.equal(findProgram('tool', { cwd: '/', env }), join(dir, 'tool'));
      assert.equal(findProgram('plain', { cwd: '/', env }), undefined, 'PATH entries must be executable');
      assert.equal(findProgram('./plain', { cwd: dir, env: {} }), join(dir, 'plain'), 'a path only has to exist');
      assert.equal(findProgram('tool', { cwd: dir, env: {} }), undefined, 'a bare name is not looked up in the folder');
      assert.equal(findProgram('tool.cmd', { cwd: '/', env: { PATH: dir, PATHEXT: '.CMD' }, platform: 'win32' }), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
