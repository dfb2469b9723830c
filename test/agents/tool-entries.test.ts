import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCatalog } from '../../src/core/agents/catalog';
import { parseAgentFile } from '../../src/core/agents/parse';
import { classifyToolEntry, toolEntryDiagnostics } from '../../src/core/agents/tool-entries';

const FILE = '/ws/agents/coord.agent.md';
const lines = (...l: string[]) => l.join('\n');

describe('agent files: tools, mcp_servers, max_turns, allow_recursion', () => {
  it('reads the keys into the definition', () => {
    const { agent, diagnostics, toolRanges } = parseAgentFile(
      lines(
        '---',
        'name: coord',
        'description: Coordinates.',
        'tools: [planner, prod/*, prod/reviewer, everything/echo, call_agents, planner]',
        'mcp_servers:',
        '  everything: { command: node, args: [server.js], env: { MODE: test } }',
        '  docs: { url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer ${env:DOCS_TOKEN}" } }',
        'max_turns: 4',
        'allow_recursion: true',
        '---',
        'You coordinate.',
      ),
      FILE,
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(agent?.tools, ['planner', 'prod/*', 'prod/reviewer', 'everything/echo', 'call_agents'], 'duplicates dropped');
    assert.equal(agent?.maxTurns, 4);
    assert.equal(agent?.allowRecursion, true);
    assert.deepEqual(Object.keys(agent?.mcpServers ?? {}), ['everything', 'docs']);
    assert.equal(toolRanges?.[0].line, 4);
    assert.equal(toolRanges?.[0].column, 9, 'range of the first entry');
  });

  it('classifies entries: agent, cluster, declared MCP server, built-in', () => {
    const servers = ['everything'];
    assert.deepEqual(classifyToolEntry('planner', servers), { kind: 'agent', entry: 'planner', agent: 'planner' });
    assert.deepEqual(classifyToolEntry('prod/*', servers), { kind: 'cluster', entry: 'prod/*', cluster: 'prod', agent: '*' });
    assert.deepEqual(classifyToolEntry('everything/echo', servers), { kind: 'mcp', entry: 'everything/echo', server: 'everything', tool: 'echo' });
    assert.deepEqual(classifyToolEntry('call_agents', servers), { kind: 'builtin', entry: 'call_agents', name: 'call_agents' });
  });

  it('bad values are errors on their line', () => {
    const { agent, diagnostics } = parseAgentFile(
      lines('---', 'name: c', 'description: d', 'tools: ["two words"]', 'mcp_servers:', '  x: { port: 1 }', 'max_turns: 0', '---', 'p'),
      FILE,
    );
    assert.equal(agent, undefined);
    assert.deepEqual(
      diagnostics.map((d) => [d.line, d.severity, d.code]),
      [
        [4, 'error', 'invalid-value'],
        [6, 'error', 'invalid-value'],
        [7, 'error', 'invalid-value'],
      ],
    );
    assert.match(diagnostics[0].message, /`tools\[0\]` must be <agent>, <cluster>\/<agent>/);
    assert.match(diagnostics[1].message, /`mcp_servers.x` must be \{url, headers\}.*or \{command, args, env\}/);
  });

  it('a misspelt key gets a did-you-mean', () => {
    const { diagnostics } = parseAgentFile(lines('---', 'name: c', 'description: d', 'mcp-servers: {}', 'max-turns: 2', '---', 'p'), FILE);
    assert.deepEqual(
      diagnostics.map((d) => d.message),
      ['unknown key `mcp-servers`; did you mean `mcp_servers`?', 'unknown key `max-turns`; did you mean `max_turns`?'],
    );
  });

  it('an entry that names no agent of the workspace: warning with did-you-mean on the entry', () => {
    const { agent, toolRanges } = parseAgentFile(lines('---', 'name: c', 'description: d', 'tools:', '  - text-stat', '  - zzz', '---', 'p'), FILE);
    assert.ok(agent);
    const found = toolEntryDiagnostics(agent, toolRanges, { line: 1, column: 1, endLine: 1, endColumn: 4 }, new Set(['text-stats', 'c']));
    assert.deepEqual(
      found.map((d) => [d.line, d.column, d.severity, d.code]),
      [
        [5, 5, 'warning', 'unknown-tool'],
        [6, 5, 'warning', 'unknown-tool'],
      ],
    );
    assert.match(found[0].message, /did you mean `text-stats`\?/);
    assert.match(found[1].message, /use <agent>, <cluster>\/<agent>/);
  });

  it('VS Code file: agents and declared MCP servers honoured, editor built-ins get an info', () => {
    const { agent, diagnostics } = parseAgentFile(
      lines('---', 'description: d', "tools: ['codebase', 'text-stats', 'docs/search', 'runCommands']", 'mcp-servers:', '  docs: { url: "http://127.0.0.1:9/mcp" }', '---', 'p'),
      '/ws/.github/agents/Rev.agent.md',
      { kind: 'vscode' },
    );
    assert.deepEqual(agent?.tools, ['text-stats', 'docs/search']);
    assert.deepEqual(Object.keys(agent?.mcpServers ?? {}), ['docs']);
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code]), [['info', 'editor-tool']]);
    assert.match(diagnostics[0].message, /`codebase`, `runCommands` exist only inside VS Code's own chat/);
  });

  it('the catalog (validate, explorer) reports unknown-tool on the entry, with did-you-mean, and still serves the agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aop-tools-'));
    try {
      writeFileSync(join(dir, 'stats.agent.md'), '---\nname: text-stats\ndescription: s\nprovider: command\ncommand: [node]\n---\np\n');
      writeFileSync(join(dir, 'coord.agent.md'), '---\nname: coord\ndescription: c\nmodel: m\ntools: [text-stat]\n---\np\n');
      const catalog = new AgentCatalog({ roots: [dir], defaultProvider: 'openai' });
      await catalog.load();
      const found = catalog.diagnostics().get(join(dir, 'coord.agent.md')) ?? [];
      assert.deepEqual(found.map((d) => [d.line, d.column, d.severity, d.code]), [[5, 9, 'warning', 'unknown-tool']]);
      assert.match(found[0].message, /`text-stat` is not an agent of this workspace; did you mean `text-stats`\?/);
      assert.ok(catalog.get('coord'));
      catalog.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
