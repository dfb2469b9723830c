import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DIR = 'docs/screenshots';

/**
 * The README's screenshots cannot go stale: each one it shows is written by an e2e test through
 * `docScreenshot(page, 'name')` (test/e2e/doc-screenshots.ts), and docs/screenshots holds nothing else.
 */
test('every screenshot the README shows is written by the e2e run, and no other is kept', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/\]\(docs\/screenshots\/([\w.-]+)\.png\)/g)].map((m) => m[1]);
  assert.ok(shown.length >= 5, `the README shows ${shown.length} screenshots`);

  const e2e = path.join(ROOT, 'test/e2e');
  const sources = fs.readdirSync(e2e).filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(e2e, f), 'utf8')).join('\n');
  const produced = new Set([...sources.matchAll(/docScreenshot\([^,()]+,\s*'([\w.-]+)'\)/g)].map((m) => m[1]));
  const orphans = shown.filter((name) => !produced.has(name));
  assert.deepEqual(orphans, [], `README screenshots no e2e test writes (use docScreenshot): ${orphans.join(', ')}`);

  const kept = fs.readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith('.png')).map((f) => f.slice(0, -4));
  const unused = kept.filter((name) => !shown.includes(name));
  assert.deepEqual(unused, [], `${DIR} files the README does not show: ${unused.join(', ')}`);
});
