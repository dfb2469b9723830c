// scripts/e2e-setup.sh run the way `npm start` and `npm test` run it — through `npm run`, into an
// empty tools folder — must hand its nested installs a clean npm environment. code-server's
// postinstall reads the Node version from npm_config_user_agent and refuses "node v20"; a warm
// ~/.cache hid that once. Here `npm` inside the script is a recording stand-in (no downloads), the
// outer `npm run` is the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT } from '../support/cli';

function which(cmd: string): string {
  const r = spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

test('e2e setup through `npm run` into an empty tools dir gives nested installs no npm_config_* of the outer npm', () => {
  const base = mkdtempSync(join(tmpdir(), 'aop-setup-test-'));
  try {
    const bin = join(base, 'bin');
    const tools = join(base, 'tools');
    const log = join(base, 'nested-npm.log');
    mkdirSync(bin);
    // The stand-in npm records its environment and lays out what the real install would.
    writeFileSync(
      join(bin, 'npm'),
      `#!/usr/bin/env bash
set -e
prefix=""; spec=""
while [ $# -gt 0 ]; do case "$1" in --prefix) prefix="$2"; shift 2;; -*) shift;; install) shift;; *) spec="$1"; shift;; esac; done
{ echo "### $spec"; env | grep -i '^npm_' || true; } >> "${log}"
mkdir -p "$prefix/node_modules/.bin"
case "$spec" in
  node@*) ln -sf "${process.execPath}" "$prefix/node_modules/.bin/node" ;;
  code-server@*) mkdir -p "$prefix/node_modules/code-server"; echo '{"version":"'"\${spec#code-server@}"'"}' > "$prefix/node_modules/code-server/package.json"; printf '#!/bin/sh\\n' > "$prefix/node_modules/.bin/code-server"; chmod +x "$prefix/node_modules/.bin/code-server" ;;
esac
`,
    );
    chmodSync(join(bin, 'npm'), 0o755);
    // Debian packages count as present, so the test needs no apt.
    writeFileSync(join(bin, 'dpkg-query'), "#!/bin/sh\nprintf 'install ok installed'\n");
    chmodSync(join(bin, 'dpkg-query'), 0o755);

    const realNpm = which('npm');
    assert.ok(realNpm, 'npm is on PATH');
    const r = spawnSync(realNpm, ['run', '--silent', 'e2e:setup'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, AOP_E2E_TOOLS: tools },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `setup failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /e2e tools ready/);

    const recorded = readFileSync(log, 'utf8');
    const installs = recorded.split('### ').filter(Boolean);
    assert.deepEqual(installs.map((s) => s.split('\n')[0]).map((s) => s.replace(/@.*/, '')), ['node', 'code-server', 'playwright-core']);
    for (const install of installs) {
      const leaked = install.split('\n').slice(1).filter(Boolean);
      assert.deepEqual(leaked, [], `the nested "npm install ${install.split('\n')[0]}" saw the outer npm's variables`);
    }
    // Markers make the second run a no-op.
    assert.ok(existsSync(join(tools, 'cs')) && readdirSync(join(tools, 'cs'), { withFileTypes: false }).some((f) => String(f).startsWith('.installed-')));
    const again = spawnSync(realNpm, ['run', '--silent', 'e2e:setup'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, AOP_E2E_TOOLS: tools },
      timeout: 120_000,
    });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(readFileSync(log, 'utf8'), recorded, 'a second run installs nothing');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
