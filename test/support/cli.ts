import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The built CLI (`npm run build` first; `npm test` does). */
export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `aop …` to completion (in the repository, or `cwd`), with no token from the environment. */
export function runCli(args: string[], input?: string, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, AOP_TOKEN: '', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Starts `aop serve --port 0 …` and resolves with its URL once it listens. */
export function serveCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, AOP_TOKEN: '' } });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`aop serve did not start: ${err}`)), 15_000);
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /serving \d+ agents at (http:\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`aop serve exited with ${code}: ${err}`)));
  });
}
