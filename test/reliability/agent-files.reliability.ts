/**
 * Agent files with every kind of breakage are reported (one diagnostic code each), never a crash:
 * through the catalog and through `aop validate`; plus a fast-check run of mutated agent files
 * (truncated, random bytes inserted, lines shuffled) through the parser.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { AgentCatalog } from '../../src/core/agents/catalog';
import { parseAgentFile } from '../../src/core/agents/parse';

const root = join(__dirname, '..', '..');
const GOOD = `---\nname: good\ndescription: A fine agent.\nprovider: command\ncommand: [node, -e, "1"]\ntimeout: 5\n---\nYou are fine.\n`;

/** One file per diagnostic code the catalog and `aop validate` report. */
const BROKEN: Record<string, { file: string; text?: string; code: string }> = {
  noFrontMatter: { file: 'no-fm.agent.md', text: 'Just a prompt, no header.\n', code: 'no-front-matter' },
  unclosed: { file: 'unclosed.agent.md', text: '---\nname: x\ndescription: y\n', code: 'no-front-matter' },
  yaml: { file: 'yaml.agent.md', text: '---\nname: [unclosed\ndescription: "x\n---\nbody\n', code: 'yaml-syntax' },
  notMapping: { file: 'list.agent.md', text: '---\n- a\n- b\n---\nbody\n', code: 'invalid-value' },
  badValue: { file: 'bad-value.agent.md', text: '---\nname: bad-value\ndescription: d\nprovider: command\ncommand: [node]\ntemperature: hot\nmax_retries: -3\n---\nbody\n', code: 'invalid-value' },
  missingKey: { file: 'missing.agent.md', text: '---\ndescription: no name here\nprovider: openai\n---\nbody\n', code: 'missing-key' },
  unknownKey: { file: 'unknown.agent.md', text: '---\nname: unknown-key\ndescription: d\nprovider: command\ncommand: [node]\ntemprature: 0.2\n---\nbody\n', code: 'unknown-key' },
  unusedKey: { file: 'unused.agent.md', text: '---\nname: unused-key\ndescription: d\nprovider: command\ncommand: [node]\nbase_url: http://x\n---\nbody\n', code: 'unused-key' },
  emptyPrompt: { file: 'empty.agent.md', text: '---\nname: empty-prompt\ndescription: d\nprovider: command\ncommand: [node]\n---\n', code: 'empty-prompt' },
  sanitized: { file: '.claude/agents/sanitized.md', text: '---\nname: "has spaces & symbols!"\ndescription: d\n---\nbody\n', code: 'name-sanitized' },
  invalidName: { file: 'invalid-name.agent.md', text: '---\nname: ""\ndescription: d\nprovider: command\ncommand: [node]\n---\nbody\n', code: 'invalid-name' },
  duplicate1: { file: 'dup1.agent.md', text: '---\nname: twin\ndescription: d\nprovider: command\ncommand: [node]\n---\nbody\n', code: 'duplicate-name' },
  duplicate2: { file: 'dup2.agent.md', text: '---\nname: twin\ndescription: d\nprovider: command\ncommand: [node]\n---\nbody\n', code: 'duplicate-name' },
  commandMissing: { file: 'cmd.agent.md', text: '---\nname: no-such-program\ndescription: d\nprovider: command\ncommand: [definitely-not-a-program-xyz]\n---\nbody\n', code: 'command-not-found' },
  binary: { file: 'binary.agent.md', text: '\u0000\u0001\uffff---\n\u0000', code: 'no-front-matter' },
  hugeKey: { file: 'huge.agent.md', text: `---\nname: huge\ndescription: ${'d'.repeat(200_000)}\nprovider: command\ncommand: [node]\n---\nbody\n`, code: 'invalid-value' },
  bomb: { file: 'bomb.agent.md', text: '---\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nname: bomb\n---\nbody\n', code: 'yaml-syntax|unknown-key|invalid-value' },
};

function figure(name: string, value: unknown): void {
  if (process.env.AOP_RELIABILITY_FIGURES) appendFileSync(process.env.AOP_RELIABILITY_FIGURES, JSON.stringify({ name, value }) + '\n');
}

describe('broken agent files are reported, never a crash', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'aop-broken-'));
  mkdirSync(join(dir, 'agents', '.claude', 'agents'), { recursive: true });
  writeFileSync(join(dir, 'agents', 'good.agent.md'), GOOD);
  for (const b of Object.values(BROKEN)) {
    writeFileSync(join(dir, 'agents', b.file), b.text ?? '');
  }

  it('the catalog reports each code and still serves the good agent', async () => {
    const catalog = new AgentCatalog({ roots: [join(dir, 'agents')], defaultProvider: 'openai' });
    await catalog.load();
    const diags = [...catalog.diagnostics().values()].flat();
    const codes = new Set(diags.map((d) => d.code));
    assert.ok(catalog.agents().some((a) => a.name === 'good'), 'the good agent is served');
    const missing = Object.entries(BROKEN)
      .filter(([, b]) => b.code !== 'command-not-found' && !b.code.split('|').some((c) => codes.has(c)))
      .map(([k, b]) => `${k} (${b.code})`);
    assert.deepEqual(missing, [], `reported: ${[...codes].join(', ')}`);
    for (const d of diags) {
      assert.ok(d.line >= 1 && d.column >= 1 && d.message.length > 0, `located and explained: ${JSON.stringify(d).slice(0, 200)}`);
    }
    catalog.dispose();
  });

  it('aop validate reports them with exit code 1 and no stack trace', () => {
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'validate', join(dir, 'agents'), '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\bat .+\(.+:\d+:\d+\)/, 'no stack trace');
    const out = JSON.parse(r.stdout) as { agents: string[]; findings: Array<{ code: string }> };
    const codes = new Set(out.findings.map((f) => f.code));
    for (const [k, b] of Object.entries(BROKEN)) assert.ok(b.code.split('|').some((c) => codes.has(c)), `${k}: ${b.code} in ${[...codes]}`);
    assert.ok(out.agents.includes('good'));
    figure('agent-files', { brokenFiles: Object.keys(BROKEN).length, codes: [...codes].sort(), crashes: 0 });
  });

  it('2,000 mutated agent files parse without throwing', () => {
    const mutation = fc.oneof(
      fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
      fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 20 })).map(([n, ins]) => (t: string) => t.slice(0, n % (t.length + 1)) + ins + t.slice(n % (t.length + 1))),
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (t: string) => {
        const lines = t.split('\n');
        const i = a % lines.length;
        const j = b % lines.length;
        [lines[i], lines[j]] = [lines[j], lines[i]];
        return lines.join('\n');
      }),
      fc.constantFrom('\r\n', '\t', ': ', '---', '&x', '*x', '!!binary', '{', '[', '"', "'", '#', '|', '>').chain((tok) =>
        fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1)) + tok + t.slice(n % (t.length + 1))),
      ),
    );
    const sources = Object.values(BROKEN).map((b) => b.text ?? '').filter((t) => t.length < 10_000).concat(GOOD);
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.array(mutation, { minLength: 1, maxLength: 4 }), (text, muts) => {
        const mutated = muts.reduce((t, m) => m(t), text);
        const r = parseAgentFile(mutated, '/virtual/fuzz.agent.md');
        runs++;
        assert.ok(r.agent !== undefined || r.diagnostics.some((d) => d.severity === 'error'), 'an agent, or an error saying why not');
      }),
      { numRuns: 2_000, seed: 42 },
    );
    figure('agent-file-mutations', { runs, crashes: 0 });
    rmSync(dir, { recursive: true, force: true });
  });
});
