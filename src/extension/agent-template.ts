/** The scaffold of Create Agent…: a valid agent file (pure, tested). */
export function agentTemplate(opts: { name: string; description: string; provider: 'editor' | 'openai' | 'command'; model?: string }): string {
  const lines = ['---', `name: ${opts.name}`, `description: ${opts.description}`, `provider: ${opts.provider}`];
  if (opts.provider === 'editor') lines.push(`model: ${opts.model ?? 'gpt-4o'}`);
  if (opts.provider === 'openai') lines.push(`model: ${opts.model ?? 'llama3.2'}`, 'base_url: http://127.0.0.1:11434/v1');
  if (opts.provider === 'command') lines.push('command: [node, scripts/my-agent.js]');
  lines.push('temperature: 0.2', 'timeout: 60', 'max_retries: 2', 'tags: []', 'capabilities: []', 'role: worker', '---');
  lines.push(`You are ${opts.name}. ${opts.description}`, '', 'Answer concisely. Say so plainly when you cannot do the task.', '');
  return lines.join('\n');
}

export const AGENT_NAME_RULE = /^[a-zA-Z0-9_-]{1,40}$/;

export function validateAgentName(name: string, taken: string[]): string | undefined {
  if (!AGENT_NAME_RULE.test(name)) return 'Use 1-40 letters, digits, "_" or "-".';
  if (taken.includes(name)) return `An agent named "${name}" already exists.`;
  return undefined;
}
