import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Builds the production bundle and packages the .vsix the way a release would; returns its path.
 * scripts/run-tests.mjs packages it once per run and passes it in AOP_E2E_VSIX (every e2e file
 * installs the same package; each used to build its own).
 */
export function packageVsix(out = path.join(os.tmpdir(), `aop-agents-e2e-${process.pid}.vsix`)): string {
  const shared = process.env.AOP_E2E_VSIX;
  if (shared && fs.existsSync(shared)) return shared;
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '-o', out],
    { cwd: ROOT, stdio: 'inherit' },
  );
  return out;
}

/** A fresh temp folder holding a copy of the example agents under `agents/` (remove it when done). */
export function exampleWorkspace(prefix: string): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(path.join(ROOT, 'examples/agents'), path.join(workspace, 'agents'), { recursive: true });
  return workspace;
}
