import { resolve } from 'node:path';
import type { CliCommand } from './usage';
import { AgentCatalog } from '../core/agents/catalog';
import { formatDiagnostic } from '../core/agents/definition';

export const validateCommand: CliCommand = {
  summary: 'Check agent files and report every problem with file:line:column (exit 1 on errors)',
  usage: 'aop validate [paths…] [--json]',
  options: {
    json: { type: 'boolean', description: 'Print the findings as JSON' },
  },
  async run(values: Record<string, unknown>, positionals: string[]): Promise<number> {
    const roots = (positionals.length ? positionals : ['.']).map((p) => resolve(p));
    const catalog = new AgentCatalog({ roots, defaultProvider: 'openai' });
    await catalog.load();
    const findings = [...catalog.diagnostics().values()].flat();
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
