#!/usr/bin/env node
import * as nodeModule from 'node:module';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliCommand, CliCommandSpec } from './usage';
// Not through src/core/index.ts: the CLI's entry must stay small (each command loads its own
// bundle); the barrel would bring the whole core into dist/cli.js. See esbuild.mjs.
// eslint-disable-next-line no-restricted-imports
import { VERSION } from '../core/version';
import { CALL_SPEC, DISCOVER_SPEC, LOGIN_SPEC, LOGOUT_SPEC, SERVE_SPEC, TASK_SPEC, TRACES_SPEC, VALIDATE_SPEC } from './command-specs';
import { isUsageError } from './usage';

/**
 * Each command's help and flags, and how to load its code. The code is loaded only when the
 * command runs: built, every `import('./x')` here is its own bundle, dist/cli-x.js (esbuild.mjs),
 * so `aop --help` loads none of them and `aop discover` only the client's.
 */
interface Command extends CliCommandSpec {
  load(): Promise<CliCommand>;
}

const COMMANDS: Record<string, Command> = {
  serve: { ...SERVE_SPEC, load: () => import('./serve').then((m) => m.serveCommand) },
  call: { ...CALL_SPEC, load: () => import('./call').then((m) => m.callCommand) },
  discover: { ...DISCOVER_SPEC, load: () => import('./discover').then((m) => m.discoverCommand) },
  validate: { ...VALIDATE_SPEC, load: () => import('./validate').then((m) => m.validateCommand) },
  traces: { ...TRACES_SPEC, load: () => import('./traces').then((m) => m.tracesCommand) },
  login: { ...LOGIN_SPEC, load: () => import('./login').then((m) => m.loginCommand) },
  logout: { ...LOGOUT_SPEC, load: () => import('./login').then((m) => m.logoutCommand) },
  task: { ...TASK_SPEC, load: () => import('./task').then((m) => m.taskCommand) },
};

function mainHelp(): string {
  const lines = [
    `aop ${VERSION} — serve agents as MCP tools, discover and call agents on AOP servers`,
    '',
    'Usage: aop <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'Run "aop <command> --help" for the options of a command.',
  ];
  return lines.join('\n');
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([key, o]) => {
    const flag = `--${key}${o.short ? `, -${o.short}` : ''}${o.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(28)} ${o.description}`;
  });
  return [`aop ${name} — ${c.summary}`, '', `Usage: ${c.usage}`, '', 'Options:', ...opts, '  --help, -h                   Show this help'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`aop: unknown command "${name}"\n\n${mainHelp()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(name, command) + '\n');
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: stripDescriptions(command.options),
      allowPositionals: true,
      strict: true,
    });
    return await (await command.load()).run(values, positionals);
  } catch (err) {
    if (isUsageError(err) || isParseArgsError(err)) {
      process.stderr.write(`aop ${name}: ${(err as Error).message}\n\nUsage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`aop ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** node:util parseArgs errors (unknown flag, missing value) are usage mistakes. MCP errors carry numeric codes. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function stripDescriptions(options: Command['options']): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {};
  for (const [k, { description: _d, ...rest }] of Object.entries(options)) out[k] = rest;
  return out;
}

if (require.main === module) {
  // Node >= 22.1: V8's code of the command bundles is cached between runs (in the OS temp folder;
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off): ~30 ms less for a cold `aop discover` on Node 24
  // (bench/NOTES.md). Node 20 has no such cache; there this does nothing.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // `aop discover … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
    },
    (err) => {
      // A defect of ours: say so in one line; the stack only when asked for (AOP_DEBUG=1).
      const detail = process.env.AOP_DEBUG === '1' && err instanceof Error ? err.stack : err instanceof Error ? err.message : String(err);
      process.stderr.write(`aop: ${detail}\n`);
      process.exitCode = 1;
    },
  );
}
