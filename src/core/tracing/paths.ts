import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `aop serve` records traces and `aop traces` reads them, unless `--traces-dir` says otherwise:
 * `$AOP_TRACES_DIR`, else the user's cache folder (traces are disposable, and kept out of the
 * workspace so they are never committed): `$XDG_CACHE_HOME/aop/traces` or `~/.cache/aop/traces`
 * on Linux, `~/Library/Caches/aop/traces` on macOS, `%LOCALAPPDATA%\aop\traces` on Windows.
 */
export function defaultTracesDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.AOP_TRACES_DIR) return env.AOP_TRACES_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'aop', 'traces');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'aop', 'traces');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aop', 'traces');
}
