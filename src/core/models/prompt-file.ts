import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * System prompts larger than this go to a file instead of `AOP_SYSTEM_PROMPT` (issue #15: a
 * 200 KB prompt failed with `spawn E2BIG`; Linux limits one environment string to 128 KiB).
 */
export const PROMPT_ENV_MAX_BYTES = 32 * 1024;

/**
 * The prompt variables for a command agent: `AOP_SYSTEM_PROMPT` holds prompts up to 32 KiB; a
 * larger one is written to a private temp file (folder 0700, file 0600) named by
 * `AOP_SYSTEM_PROMPT_FILE`, and `AOP_SYSTEM_PROMPT` is empty. `cleanup` removes the file.
 */
export function promptEnv(system: string): { env: Record<string, string>; cleanup: () => void } {
  if (Buffer.byteLength(system) <= PROMPT_ENV_MAX_BYTES) return { env: { AOP_SYSTEM_PROMPT: system }, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'aop-prompt-'));
  const file = join(dir, 'system-prompt.md');
  writeFileSync(file, system, { mode: 0o600 });
  return {
    env: { AOP_SYSTEM_PROMPT: '', AOP_SYSTEM_PROMPT_FILE: file },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
