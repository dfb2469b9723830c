/**
 * The environment of a command agent's process (issue #15: children inherited everything, and
 * `AOP_TOKEN` / `OPENAI_API_KEY` came back in results and traces). A child gets only:
 *
 * 1. what a program needs to run: `PATH`, `HOME`, the user, the locale (`LANG`, `LC_*`), the
 *    temp folder, the time zone, the terminal, and the Windows equivalents;
 * 2. the variables its agent file names in front matter `env: [NAME, …]`;
 * 3. the `AOP_*` context the caller adds (`extra`: `AOP_AGENT`, `AOP_MODEL`, `AOP_SYSTEM_PROMPT`…).
 *
 * The server's token (`AOP_TOKEN` of the parent) never passes, even when listed.
 */
export const BASE_ENV_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TMPDIR',
  'TMP',
  'TEMP',
  'TZ',
  'TERM',
  'COLORTERM',
  // Windows: programs do not start without some of these
  'SYSTEMROOT',
  'SYSTEMDRIVE',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'PROGRAMFILES',
  'HOMEDRIVE',
  'HOMEPATH',
  'USERNAME',
] as const;

/** Never handed to a child, whatever the agent file says. */
export const NEVER_PASSED = new Set(['AOP_TOKEN']);

export interface ChildEnvSource {
  /** Names of further variables to pass through (front matter `env:`). */
  env?: readonly string[];
}

/**
 * The environment for a child: the base names and `def.env` names present in `source`, then
 * `extra` on top (undefined values are left out). Windows names are matched case-insensitively.
 */
export function childEnv(
  def: ChildEnvSource = {},
  extra: Record<string, string | undefined> = {},
  source: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const wanted = new Set<string>([...BASE_ENV_NAMES, ...(def.env ?? [])].filter((n) => !NEVER_PASSED.has(n.toUpperCase())));
  const out: NodeJS.ProcessEnv = {};
  const windows = process.platform === 'win32';
  const upper = windows ? new Set([...wanted].map((n) => n.toUpperCase())) : undefined;
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const pass = windows ? upper!.has(name.toUpperCase()) && !NEVER_PASSED.has(name.toUpperCase()) : wanted.has(name) || name.startsWith('LC_');
    if (pass) out[name] = value;
  }
  // `extra` comes from our own code (context, a scoped token…), never from the parent's environment.
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) out[name] = value;
  return out;
}
