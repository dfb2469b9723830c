// The scan's shortcuts: relativeTo must answer exactly what path.relative answers; readTextFileSync
// exactly what readFileSync reads; FileTexts on its worker thread exactly what readTextFileSync reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AgentFileMatcher, listDirectorySync, readTextFileSync, relativeTo } from '../../src/core/agents/agent-files';
import { FileTexts, type FileText } from '../../src/core/agents/file-texts';

function viaPathRelative(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

test('relativeTo agrees with path.relative on built, odd and outside paths', () => {
  const segment = fc.constantFrom('a', 'b.agent.md', '.github', '.', '..', '', '...', '.x', 'x.', 'agents');
  const abs = fc.array(segment, { minLength: 0, maxLength: 5 }).map((s) => '/' + s.join('/'));
  fc.assert(
    fc.property(abs, fc.array(segment, { maxLength: 5 }), (rootish, rest) => {
      const root = path.resolve(rootish);
      for (const file of [path.join(root, ...rest), root + '/' + rest.join('/'), root + rest.join('/')]) {
        assert.equal(relativeTo(root, file), viaPathRelative(root, file), `root ${root}, file ${file}`);
      }
    }),
    { numRuns: 2000 },
  );
  assert.equal(relativeTo('/w', '/w/.github/agents/a.agent.md'), '.github/agents/a.agent.md');
  assert.equal(relativeTo('/w', '/w/../x.agent.md'), undefined);
  assert.equal(relativeTo('/w', '/wx/a.agent.md'), undefined);
  assert.equal(relativeTo('/w', '/w/..x.agent.md'), '..x.agent.md', 'a name starting with two dots is inside');
});

test('readTextFileSync reads small, boundary-sized and big files whole, and throws what fs throws', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aop-read-'));
  try {
    const cases = { empty: '', small: 'name: é ✓\n', exact: 'x'.repeat(64 * 1024), big: 'ü'.repeat(50_000) + 'end' };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(path.join(dir, name), text);
      assert.equal(readTextFileSync(path.join(dir, name)), text, name);
    }
    // the shared buffer is not left holding an earlier, longer file's tail
    assert.equal(readTextFileSync(path.join(dir, 'small')), cases.small);
    assert.throws(() => readTextFileSync(path.join(dir, 'missing')), { code: 'ENOENT' });
    assert.throws(() => readTextFileSync(dir), { code: 'EISDIR' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The texts of `files` given all at once, in order. */
function readTexts(files: string[], threshold: number): AsyncGenerator<FileText> {
  const reader = new FileTexts(threshold);
  reader.add(files);
  return reader.texts();
}

async function all(files: string[], threshold: number): Promise<FileText[]> {
  const out: FileText[] = [];
  for await (const read of readTexts(files, threshold)) out.push(read);
  return out;
}

test('readTexts gives, in order, what readTextFileSync reads or throws, on its worker thread and on this one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aop-read-'));
  try {
    const texts = ['', 'name: é ✓\n', 'x'.repeat(64 * 1024), 'ü'.repeat(50_000) + 'end'];
    const files: string[] = [];
    for (let i = 0; i < 700; i++) {
      const file = path.join(dir, `f${i}`);
      if (i % 97 === 5) files.push(path.join(dir, `missing-${i}`));
      else if (i % 101 === 7) files.push(dir);
      else {
        writeFileSync(file, texts[i % texts.length] + i);
        files.push(file);
      }
    }
    const expected = files.map((file) => {
      try {
        return { file, text: readTextFileSync(file) };
      } catch (e) {
        return { file, code: (e as NodeJS.ErrnoException).code, message: (e as Error).message };
      }
    });
    const shape = (r: FileText) => (r.error ? { file: r.file, code: r.error.code, message: r.error.message } : { file: r.file, text: r.text });
    // threshold 0: the worker reads all of them (700 files: several batches); a big threshold: this thread
    for (const threshold of [0, 10_000]) assert.deepEqual((await all(files, threshold)).map(shape), expected, `threshold ${threshold}`);
    // given in pieces as a walk finds them: the worker starts at the threshold, in the middle of a piece
    const pieces = new FileTexts(150);
    for (const [from, to] of [[0, 100], [100, 101], [101, 420], [420, 700]]) pieces.add(files.slice(from, to));
    const inPieces: FileText[] = [];
    for await (const read of pieces.texts()) inPieces.push(read);
    assert.deepEqual(inPieces.map(shape), expected, 'given in pieces');
    assert.equal(pieces.readHere, 0, 'the worker read every file, the first 150 too');
    const few = new FileTexts(10_000);
    few.add(files.slice(0, 20));
    for await (const read of few.texts()) assert.ok(read.file);
    assert.equal(few.readHere, 20);
    assert.ok(expected.some((r) => r.code === 'ENOENT') && expected.some((r) => r.code === 'EISDIR'), 'the list has both kinds of failure');
    assert.deepEqual(await all([], 0), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTexts stopped early gives nothing more', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aop-read-'));
  try {
    const files = Array.from({ length: 600 }, (_, i) => path.join(dir, `f${i}`));
    for (const [i, file] of files.entries()) writeFileSync(file, String(i));
    const got: string[] = [];
    for await (const read of readTexts(files, 0)) {
      got.push(read.text!);
      if (got.length === 3) break;
    }
    assert.deepEqual(got, ['0', '1', '2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listDirectorySync: files, folders, links to files; a dangling or looping link and a missing folder are not files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aop-list-'));
  try {
    writeFileSync(path.join(dir, 'a.agent.md'), 'x');
    mkdirSync(path.join(dir, 'sub'));
    symlinkSync(path.join(dir, 'a.agent.md'), path.join(dir, 'link.agent.md'));
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling.agent.md'));
    symlinkSync(path.join(dir, 'loop.agent.md'), path.join(dir, 'loop.agent.md'));
    symlinkSync(path.join(dir, 'sub'), path.join(dir, 'dirlink'));
    const listing = listDirectorySync(dir)!;
    assert.deepEqual(listing.files.sort(), [path.join(dir, 'a.agent.md'), path.join(dir, 'link.agent.md')]);
    assert.deepEqual(listing.dirs, [path.join(dir, 'sub')]);
    assert.equal(listDirectorySync(path.join(dir, 'missing')), undefined);
    assert.equal(listDirectorySync(path.join(dir, 'a.agent.md')), undefined, 'a file is no folder (ENOTDIR)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agentFilesIn picks what isAgentFile picks, file by file, in folders inside and outside the root', () => {
  const name = fc.constantFrom('a.agent.md', 'b.md', '..x.agent.md', '.hidden.agent.md', 'x.agent.md.bak', 'agent.md', 'Ü.agent.md');
  const segment = fc.constantFrom('nested', '.github', 'agents', '.claude', 'node_modules', '.git', 'deep');
  const matchers = [new AgentFileMatcher(), new AgentFileMatcher(['**/*.md'], ['nested/**', '.claude/**']), new AgentFileMatcher(['*.agent.md'], [])];
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 4 }), fc.array(name, { maxLength: 6 }), fc.constantFrom('/w', '/w/', '/other'), (dirs, names, rootish) => {
      const root = path.resolve('/w');
      const dir = path.join(rootish, ...dirs);
      const files = names.map((n) => path.join(dir, n));
      for (const m of matchers) assert.deepEqual(m.agentFilesIn(root, dir, files), files.filter((f) => m.isAgentFile(root, f)), `${dir}: ${names.join(', ')}`);
    }),
    { numRuns: 2000 },
  );
});
