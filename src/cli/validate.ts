import type { CliCommand } from './usage';
import { existingPaths } from './usage';
import { AgentCatalog, formatDiagnostic, type AgentDefinition, type AgentDiagnostic, findProgram } from '../core';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VALIDATE_SPEC } from './command-specs';

export const validateCommand: CliCommand = {
  ...VALIDATE_SPEC,
  async run(values: Record<string, unknown>, positionals: string[]): Promise<number> {
    const roots = existingPaths(positionals);
    const catalog = new AgentCatalog({ roots, defaultProvider: 'openai' });
    await catalog.load();
    const findings = [...catalog.diagnostics().values()].flat();
    for (const agent of catalog.agents()) {
      const missing = await missingCommand(agent);
      if (missing) findings.push(missing);
    }
    const errors = findings.filter((d) => d.severity === 'error').length;
    if (values.json === true) {
      process.stdout.write(JSON.stringify({ agents: catalog.agents().map((a) => a.name), findings }, null, 2) + '\n');
    } else {
      for (const d of findings) process.stdout.write(formatDiagnostic(d) + '\n');
      const warnings = findings.length - errors;
      process.stdout.write(`${catalog.agents().length} agents valid, ${errors} errors, ${warnings} warnings\n`);
    }
    catalog.dispose();
    return errors > 0 ? 1 : 0;
  },
};

/** The same check as the language server's `command-not-found`: the program must exist. */
async function missingCommand(agent: AgentDefinition): Promise<AgentDiagnostic | undefined> {
  if (agent.provider !== 'command' || !agent.command?.length) return undefined;
  const program = agent.command[0];
  const cwd = dirname(agent.source.file);
  if (findProgram(program, { cwd })) return undefined;
  const text = await readFile(agent.source.file, 'utf8').catch(() => '');
  const lines = text.split(/\r?\n/);
  const i = Math.max(0, lines.findIndex((l) => /^command\s*:/.test(l)));
  const isPath = /[\\/]/.test(program);
  return {
    file: agent.source.file,
    line: i + 1,
    column: 1,
    endLine: i + 1,
    endColumn: (lines[i]?.length ?? 0) + 1,
    severity: 'warning',
    code: 'command-not-found',
    message: isPath
      ? `program \`${program}\` does not exist (paths are relative to the folder of the agent file, ${cwd})`
      : `program \`${program}\` is not found on PATH; install it, or give its path (relative to the folder of the agent file)`,
  };
}
