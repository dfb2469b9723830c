import type { AgentDefinition } from '../agents/definition';
import { AGENT_CHAIN_META, BUDGET_META, ROOT_META, TIME_LEFT_META } from '../meta-keys';

export const ORCHESTRATION_DEFAULTS = {
  /** Agents deep below the root call (root = 0). */
  maxDepth: 5,
  /** Tool calls per root request, all descendants together. */
  toolBudget: 50,
  /** Tool calls one model turn runs at once. */
  toolConcurrency: 8,
  /** Items of one call_agents, and how many run at once by default. */
  maxFanOut: 256,
  fanOutConcurrency: 16,
} as const;

const MAX_CHAIN = 64;

export interface CallChain {
  /** Agent names from the root call down to the caller. */
  agents: string[];
  root?: string;
  budget?: number;
  timeLeftMs?: number;
}

export function readCallChain(meta: Record<string, unknown> | undefined): CallChain {
  const raw = meta?.[AGENT_CHAIN_META];
  const agents = Array.isArray(raw)
    ? raw.filter((x): x is string => typeof x === 'string' && x.length <= 128).slice(0, MAX_CHAIN + 1)
    : [];
  const root = typeof meta?.[ROOT_META] === 'string' && (meta[ROOT_META] as string).length <= 64 ? (meta[ROOT_META] as string) : undefined;
  const budget = nonNegative(meta?.[BUDGET_META]);
  const timeLeftMs = nonNegative(meta?.[TIME_LEFT_META]);
  return { agents, root, budget, timeLeftMs };
}

function nonNegative(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** Whether a call is part of an orchestration (a parent agent made it). */
export function isDelegated(chain: CallChain): boolean {
  return chain.agents.length > 0;
}

/** Why `agent` must not run under `chain`: a cycle (unless it allows recursion) or too deep. */
export function chainRefusal(agent: AgentDefinition, chain: CallChain, maxDepth: number): string | undefined {
  const path = [...chain.agents, agent.name].join(' → ');
  if (chain.agents.includes(agent.name) && !agent.allowRecursion) {
    return `cycle refused: ${path} (set allow_recursion: true in ${agent.name}'s file to allow it)`;
  }
  if (chain.agents.length > maxDepth) {
    return `depth limit refused: ${path} is ${chain.agents.length} calls deep, more than the limit of ${maxDepth}`;
  }
  return undefined;
}

/** `_meta` for a call the agent at the end of `chain` makes. */
export function childCallMeta(chain: readonly string[], root: string, budget: number, timeLeftMs: number): Record<string, unknown> {
  return { [AGENT_CHAIN_META]: chain, [ROOT_META]: root, [BUDGET_META]: Math.max(0, budget), [TIME_LEFT_META]: Math.max(0, Math.floor(timeLeftMs)) };
}
