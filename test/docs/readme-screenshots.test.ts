import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readmeScreenshots } from '../e2e/doc-screenshots';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The README's screenshots cannot go stale: each one it shows is taken by exactly one e2e test
 * (the harness copies it to docs/screenshots, see test/e2e/doc-screenshots.ts), and
 * docs/screenshots holds nothing else.
 */
test('every screenshot the README shows is taken by one e2e test, and docs/screenshots keeps no other', () => {
  const shown = [...readmeScreenshots()];
  assert.ok(shown.length >= 5, `the README shows ${shown.length} screenshots`);

  const e2e = path.join(ROOT, 'test/e2e');
  const sources = fs.readdirSync(e2e).filter((f) => f.endsWith('.test.ts')).map((f) => fs.readFileSync(path.join(e2e, f), 'utf8'));
  // vs.screenshot('name') / screenshot(page, 'name') with a literal name.
  const taken = sources.flatMap((src) => [...src.matchAll(/screenshot\((?:[\w!.]+,\s*)?'([\w.-]+)'\)/g)].map((m) => m[1]));
  const count = (name: string) => taken.filter((t) => t === name).length;
  const missing = shown.filter((name) => count(name) === 0);
  assert.deepEqual(missing, [], `README screenshots that no e2e test takes: ${missing.join(', ')}`);
  const twice = shown.filter((name) => count(name) > 1);
  assert.deepEqual(twice, [], `README screenshots taken by more than one e2e test (the last run would win): ${twice.join(', ')}`);

  const kept = fs.readdirSync(path.join(ROOT, 'docs/screenshots')).filter((f) => f.endsWith('.png')).map((f) => f.slice(0, -4));
  const unused = kept.filter((name) => !shown.includes(name));
  assert.deepEqual(unused, [], `docs/screenshots files the README does not show: ${unused.join(', ')}`);
  const absent = shown.filter((name) => !kept.includes(name));
  assert.deepEqual(absent, [], `README screenshots missing from docs/screenshots: ${absent.join(', ')}`);
});
