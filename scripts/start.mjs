#!/usr/bin/env node
// `npm start`: builds and packages the extension, installs it into a real VS Code (code-server,
// from npm; tools set up by scripts/e2e-setup.sh) and opens it on a workspace of example agents.
// Prints the URL; Ctrl+C stops everything and removes what it made in the temp folder (the
// workspace copy, VS Code's user data and the .vsix), unless AOP_START_DIR names a folder to keep.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tools = process.env.AOP_E2E_TOOLS || join(homedir(), '.cache', 'aop-e2e');
const port = Number(process.env.PORT || 8080);
/** Runs one step; a failing step has printed why, so stop there (the exit handler cleans up). */
const run = (cmd, args, opts = {}) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  } catch {
    console.error(`\nnpm start: this step failed: ${[cmd, ...args].join(' ')}`);
    process.exit(1);
  }
};

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
// Leftovers of runs that were killed hard (no chance to clean up): their pid file names a dead process.
for (const name of readdirSync(tmpdir())) {
  if (!name.startsWith('aop-start-')) continue;
  const dir = join(tmpdir(), name);
  const pid = Number(existsSync(join(dir, 'pid')) ? readFileSync(join(dir, 'pid'), 'utf8') : NaN);
  if (Number.isInteger(pid) && !alive(pid)) rmSync(dir, { recursive: true, force: true });
}

const keep = Boolean(process.env.AOP_START_DIR);
const home = process.env.AOP_START_DIR || mkdtempSync(join(tmpdir(), 'aop-start-'));
writeFileSync(join(home, 'pid'), String(process.pid));
let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  if (keep) rmSync(join(home, 'aop-agents.vsix'), { force: true });
  else rmSync(home, { recursive: true, force: true });
};
process.on('exit', cleanup);

run('bash', ['scripts/e2e-setup.sh']);
run(process.execPath, ['esbuild.mjs', '--production']);
const vsix = join(home, 'aop-agents.vsix');
run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '-o', vsix]);
const userData = join(home, 'user-data');
const extensions = join(home, 'extensions');
const workspace = join(home, 'workspace');
mkdirSync(join(userData, 'User'), { recursive: true });
if (!existsSync(workspace)) {
  cpSync(join(root, 'examples/agents'), join(workspace, 'agents'), { recursive: true });
  writeFileSync(
    join(workspace, 'README.md'),
    '# AOP Agents playground\n\nThe `agents/` folder holds example agents. Open the **AOP** view in the activity bar, or run **AOP: Invoke Agent…** from the command palette (F1) and pick `text-stats` (it needs no model server).\n',
  );
}
writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'readme', 'security.workspace.trust.enabled': false }, null, 2));

const node24 = join(tools, 'node24/node_modules/.bin/node');
const entry = join(tools, 'cs/node_modules/code-server/out/node/entry.js');
const base = ['--user-data-dir', userData, '--extensions-dir', extensions];
run(node24, [entry, ...base, '--install-extension', vsix, '--force'], { env: { ...process.env, PATH: `${join(tools, 'node24/node_modules/.bin')}:${process.env.PATH}` } });
rmSync(vsix, { force: true });

const env = {
  ...process.env,
  PATH: `${join(tools, 'node24/node_modules/.bin')}:${process.env.PATH}`,
  // no marketplace traffic: only the npm registry and Debian are reachable here
  EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
};
const child = spawn(
  node24,
  [entry, ...base, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
  { stdio: ['ignore', 'pipe', 'inherit'], env },
);
child.stdout.on('data', (d) => {
  const text = String(d);
  process.stdout.write(text);
  if (/HTTP server listening/.test(text)) {
    console.log(`\n  AOP Agents in VS Code: http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n  (Ctrl+C to stop)\n`);
  }
});
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
