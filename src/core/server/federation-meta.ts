import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toCallToolResult } from '../execution/tool-schema';
import { CHAIN_META, HOPS_META } from '../meta-keys';

interface HopInfo {
  hops: number;
  chain: string[];
}

function readHops(meta: Record<string, unknown> | undefined): HopInfo {
  const hops = typeof meta?.[HOPS_META] === 'number' ? (meta[HOPS_META] as number) : 0;
  const chain = Array.isArray(meta?.[CHAIN_META]) ? (meta[CHAIN_META] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  return { hops, chain };
}

/** The `_meta` for forwarding a call one hop further from server `selfId`. */
export function nextHop(meta: Record<string, unknown> | undefined, selfId: string): Record<string, unknown> {
  const { hops, chain } = readHops(meta);
  return { [HOPS_META]: hops + 1, [CHAIN_META]: [...chain, selfId] };
}

/** Why an incoming call must be refused: a loop through this server, or too many hops. */
export function checkHops(meta: Record<string, unknown> | undefined, selfId: string, maxHops: number): string | undefined {
  const { hops, chain } = readHops(meta);
  if (chain.includes(selfId)) {
    return `federation loop refused: the call already passed through this server (${[...chain, selfId].join(' → ')})`;
  }
  if (hops > maxHops) {
    return `federation refused: the call crossed ${hops} servers, more than max_hops ${maxHops} (${chain.join(' → ')})`;
  }
  return undefined;
}

/** A refused call answers like a failed agent: `{result: '', success: false, error}`. */
export function refusal(message: string): CallToolResult {
  return toCallToolResult({ result: '', success: false, error: message });
}
