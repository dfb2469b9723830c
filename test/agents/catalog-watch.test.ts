import assert from 'node:assert/strict';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AgentCatalog } from '../../src/core/agents';
import { agentFile, nextEvent, recordEvents, tempWorkspace } from './catalog-helpers';

describe('AgentCatalog.watch', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let catalog: AgentCatalog;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempWorkspace());
    await writeFile(path.join(dir, 'first.agent.md'), agentFile('first'));
    catalog = new AgentCatalog({ roots: [dir], debounceMs: 30 });
    await catalog.load();
    catalog.watch();
  });
  afterEach(async () => {
    catalog.dispose();
    await cleanup();
  });

  it('emits added, changed and removed as files come and go', async () => {
    const added = nextEvent(catalog, 'added');
    await writeFile(path.join(dir, 'second.agent.md'), agentFile('second'));
    const [agent] = await added;
    assert.equal(agent.name, 'second');
    assert.equal(catalog.get('second')?.systemPrompt, 'You are second.');

    const changed = nextEvent(catalog, 'changed');
    await writeFile(path.join(dir, 'second.agent.md'), agentFile('second', 'Now different.'));
    const [now, before] = await changed;
    assert.equal(now.description, 'Now different.');
    assert.equal(before.description, 'Agent second.');

    const removed = nextEvent(catalog, 'removed');
    await rm(path.join(dir, 'second.agent.md'));
    const [gone] = await removed;
    assert.equal(gone.name, 'second');
    assert.deepEqual(catalog.agents().map((a) => a.name), ['first']);
  });

  it('follows new sub-folders and files created in them', async () => {
    await mkdir(path.join(dir, 'team', 'deep'), { recursive: true });
    const added = nextEvent(catalog, 'added');
    await writeFile(path.join(dir, 'team', 'deep', 'nested.agent.md'), agentFile('nested'));
    assert.equal((await added)[0].name, 'nested');

    // And the new folder itself is watched afterwards.
    const changed = nextEvent(catalog, 'changed');
    await writeFile(path.join(dir, 'team', 'deep', 'nested.agent.md'), agentFile('nested', 'Edited.'));
    assert.equal((await changed)[0].description, 'Edited.');

    const removed = nextEvent(catalog, 'removed');
    await rm(path.join(dir, 'team'), { recursive: true });
    assert.equal((await removed)[0].name, 'nested');
  });

  it('a file that becomes invalid is removed and reported; fixing it brings it back', async () => {
    const file = path.join(dir, 'first.agent.md');
    const removed = nextEvent(catalog, 'removed');
    const reported = nextEvent(catalog, 'diagnostics', (_f, list) => list.length > 0);
    await writeFile(file, '---\nname: first\ndescripton: typo\n---\nx\n');
    assert.equal((await removed)[0].name, 'first');
    const [reportedFile, list] = await reported;
    assert.equal(reportedFile, file);
    assert.deepEqual(list.map((d) => [d.code, d.line, d.column]), [
      ['missing-key', 1, 1],
      ['unknown-key', 3, 1],
    ]);

    const added = nextEvent(catalog, 'added');
    const cleared = nextEvent(catalog, 'diagnostics', (_f, l) => l.length === 0);
    await writeFile(file, agentFile('first'));
    assert.equal((await added)[0].name, 'first');
    assert.equal((await cleared)[0], file);
    assert.equal(catalog.diagnostics().size, 0);
  });

  it('handles atomic saves (write to a temp file, rename over)', async () => {
    const changed = nextEvent(catalog, 'changed');
    const temp = path.join(dir, '.first.agent.md.tmp');
    await writeFile(temp, agentFile('first', 'Saved atomically.'));
    await rename(temp, path.join(dir, 'first.agent.md'));
    assert.equal((await changed)[0].description, 'Saved atomically.');
  });

  it('coalesces a burst of changes into one updated', async () => {
    // A debounce far longer than three writes take, even on a loaded machine, so the burst is one.
    catalog.dispose();
    catalog = new AgentCatalog({ roots: [dir], debounceMs: 1000 });
    await catalog.load();
    catalog.watch();
    const log = recordEvents(catalog);
    const updated = nextEvent(catalog, 'updated');
    await Promise.all(['a', 'b', 'c'].map((n) => writeFile(path.join(dir, `${n}.agent.md`), agentFile(n))));
    await updated;
    assert.deepEqual(log, ['added:a', 'added:b', 'added:c', 'updated']);
  });

  it('stops after dispose', async () => {
    catalog.dispose();
    const log = recordEvents(catalog);
    // A live catalog on the same folder with a 10× longer debounce: once it has seen the new file,
    // the disposed one (30 ms) would have reported it too.
    const live = new AgentCatalog({ roots: [dir], debounceMs: 300 });
    await live.load();
    live.watch();
    try {
      const added = nextEvent(live, 'added');
      await writeFile(path.join(dir, 'late.agent.md'), agentFile('late'));
      assert.equal((await added)[0].name, 'late');
      assert.deepEqual(log, []);
    } finally {
      live.dispose();
    }
  });
});
