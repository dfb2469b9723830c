/**
 * The split of the extension's bundles holds (esbuild.mjs): a production build's dist/extension.js
 * holds src/extension only — no src/core, no package — and activating it (bench/lib/activate-probe.cjs:
 * a fresh Node process, a stand-in `vscode`, the example workspace) loads the host's bundle only
 * after activate() has returned, serves the example agents, and loads no bundle meant for first use.
 * Every bundle the extension requires is shipped in the .vsix (.vscodeignore). No timing here:
 * the figures are bench/suites/extension.ts's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
let out: string;

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'aop-bundles-'));
  await run(process.execPath, ['esbuild.mjs', '--production', `--outdir=${out}`, `--metafile=${join(out, 'meta.json')}`], { cwd: ROOT, timeout: 120_000 });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('dist/extension.js is the editor glue only: no src/core and no package in it', () => {
  const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const entry = Object.entries(meta.outputs).find(([file]) => file.endsWith('/extension.js'));
  assert.ok(entry, 'no extension.js in the metafile');
  const inputs = Object.keys(entry[1].inputs);
  assert.ok(inputs.some((i) => i.startsWith('src/extension/')), inputs.join(', '));
  assert.deepEqual(
    inputs.filter((i) => i.includes('node_modules') || i.startsWith('src/core/')),
    [],
    'the core and its packages belong in dist/extension-host.js',
  );
});

test('activation loads the host after activate() returns, then the example agents are served; no first-use bundle is loaded', async () => {
  const storage = mkdtempSync(join(tmpdir(), 'aop-bundles-storage-'));
  try {
    const { stdout } = await run(process.execPath, [join(ROOT, 'bench/lib/activate-probe.cjs'), join(out, 'extension.js'), join(ROOT, 'examples'), storage, ROOT], {
      cwd: ROOT,
      timeout: 60_000,
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { agents: number; errors: string[]; lazyLoaded: string[]; error?: string };
    assert.equal(r.error, undefined);
    const examples = readdirSync(join(ROOT, 'examples/agents')).filter((f) => f.endsWith('.agent.md')).length;
    assert.equal(r.agents, examples, 'every example agent served');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.lazyLoaded, []);
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
});

test('every bundle the extension requires is shipped in the .vsix', () => {
  const shipped = new Set(
    readFileSync(join(ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!dist/'))
      .map((l) => l.slice('!dist/'.length)),
  );
  const required = new Set<string>(['extension.js']);
  for (const file of ['extension.js', 'extension-host.js', 'language-client.js', 'trace-panel.js']) {
    for (const m of readFileSync(join(out, file), 'utf8').matchAll(/require\("\.\/([\w-]+\.js)"\)/g)) required.add(m[1]);
  }
  assert.ok(required.has('extension-host.js') && required.has('trace-panel.js') && required.has('language-client.js'), [...required].join(', '));
  assert.deepEqual([...required].filter((f) => !shipped.has(f)), [], '.vscodeignore must list them');
});
