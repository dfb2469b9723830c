import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { installFakeVscode } from '../support/fake-vscode';

// The extension's command table against its manifest, and the one error path every command shares.
// `vscode` is the small recording stand-in of test/support/fake-vscode.ts; the real editor runs in test/e2e.
const fake = installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { COMMANDS, registerCommands } = require('../../src/extension/commands') as typeof import('../../src/extension/commands');

const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
  contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string }[]> };
};

test('every contributed command has a handler, and every handler is contributed', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(Object.keys(COMMANDS).sort(), contributed);
});

test('menus name only contributed commands', () => {
  const known = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const item of items) assert.ok(known.has(item.command), `${menu} names ${item.command}, which is not contributed`);
  }
});

test('registerCommands: a failing command shows one error in the user\'s words, logs it, and does not throw', async () => {
  const logged: string[] = [];
  const ext = { log: { error: (m: string) => logged.push(m) }, local: { aop: undefined } };
  const disposables = registerCommands(ext as never);
  try {
    assert.equal(fake.registered.size, Object.keys(COMMANDS).length);
    const result = await fake.registered.get('aop.openDefinition')!();
    assert.equal(result, undefined);
    assert.deepEqual(fake.errors, ['AOP: no agent file to open']);
    assert.deepEqual(logged, ['aop.openDefinition: no agent file to open']);
  } finally {
    for (const d of disposables) d.dispose();
  }
  assert.equal(fake.registered.size, 0, 'disposing unregisters every command');
});
