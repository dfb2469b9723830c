import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RemoteAgentInfo } from './remote-agents';

/** One server offering a tool. */
export interface Replica {
  serverId: string;
  info: RemoteAgentInfo;
}

/** A tool of the cluster with every server that offers it (registry R: tool → replicas). */
export interface RegistryEntry {
  name: string;
  /** The tool as the first replica (in server order) describes it. */
  tool: Tool;
  description: string;
  tags: string[];
  capabilities: string[];
  isAgent: boolean;
  replicas: Replica[];
}

/**
 * The union of the servers' tools (paper eq. 6), keeping every replica — unlike the swarms
 * reference, where the first server that names a tool hides the others.
 */
export class AgentRegistry {
  private readonly byName = new Map<string, RegistryEntry>();

  /** Builds the registry from each server's discovery (server order decides the describing replica). */
  static build(perServer: Array<{ serverId: string; infos: RemoteAgentInfo[] }>): AgentRegistry {
    const r = new AgentRegistry();
    for (const { serverId, infos } of perServer) {
      for (const info of infos) {
        const name = info.tool.name;
        let e = r.byName.get(name);
        if (!e) {
          e = {
            name,
            tool: info.tool,
            description: info.description,
            tags: [...info.tags],
            capabilities: [...info.capabilities],
            isAgent: info.isAgent,
            replicas: [],
          };
          r.byName.set(name, e);
        } else {
          for (const t of info.tags) if (!e.tags.includes(t)) e.tags.push(t);
          for (const c of info.capabilities) if (!e.capabilities.includes(c)) e.capabilities.push(c);
          e.isAgent ||= info.isAgent;
        }
        e.replicas.push({ serverId, info });
      }
    }
    return r;
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): RegistryEntry | undefined {
    return this.byName.get(name);
  }

  entries(): RegistryEntry[] {
    return [...this.byName.values()];
  }

  /** Tools offered by one server. */
  ofServer(serverId: string): RegistryEntry[] {
    return this.entries().filter((e) => e.replicas.some((r) => r.serverId === serverId));
  }

  /**
   * Case-insensitive search over name, description, tags and capabilities; every word of the
   * query must match somewhere. Results ranked: name hits first, then by replica count.
   */
  search(query: string): RegistryEntry[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return this.entries();
    const scored: Array<{ e: RegistryEntry; score: number }> = [];
    for (const e of this.byName.values()) {
      const name = e.name.toLowerCase();
      const desc = e.description.toLowerCase();
      const tags = e.tags.map((t) => t.toLowerCase());
      const caps = e.capabilities.map((c) => c.toLowerCase());
      let score = 0;
      let all = true;
      for (const w of words) {
        const s =
          (name.includes(w) ? 4 : 0) +
          (tags.some((t) => t.includes(w)) ? 2 : 0) +
          (caps.some((c) => c.includes(w)) ? 2 : 0) +
          (desc.includes(w) ? 1 : 0);
        if (s === 0) {
          all = false;
          break;
        }
        score += s;
      }
      if (all) scored.push({ e, score });
    }
    scored.sort((a, b) => b.score - a.score || b.e.replicas.length - a.e.replicas.length || a.e.name.localeCompare(b.e.name));
    return scored.map((s) => s.e);
  }
}
