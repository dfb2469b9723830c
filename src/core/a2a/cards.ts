import { A2A_PROTOCOL_VERSION, AgentCard, type AgentSkill, type SecurityScheme } from '@a2a-js/sdk';
import type { AgentDefinition } from '../agents/definition';
import { describeAgentTool } from '../execution/tool-schema';
import { VERSION } from '../version';

/** Path of the server card, and (under `/a2a/<agent>/`) of each agent's card. */
export const AGENT_CARD_FILE = '/.well-known/agent-card.json';
/** Prefix of the A2A endpoints: `/a2a/<agent>` per agent, `/a2a` for the server card (agent chosen by `tenant`). */
export const A2A_PREFIX = '/a2a';
export const JSONRPC_BINDING = 'JSONRPC';
/**
 * A2A extension our server card declares: each skill is an agent of its own, reached at the
 * card's endpoint with `params.tenant` = the skill id. AOP clusters read such a card as many agents.
 */
export const SKILLS_ARE_AGENTS = 'urn:aop:a2a:skills-are-agents:v1';

export interface CardOptions {
  /** Origin the card's URLs use, e.g. `http://127.0.0.1:8000`. */
  base: string;
  /** A bearer token protects the endpoints: the card names the scheme (never the token). */
  bearer: boolean;
  serverName: string;
}

/** True for the paths that serve cards (public, like /healthz: clients read them to learn how to authenticate). */
export function isAgentCardPath(path: string): boolean {
  return path === AGENT_CARD_FILE || (path.startsWith(`${A2A_PREFIX}/`) && path.endsWith(AGENT_CARD_FILE));
}

function security(bearer: boolean): Pick<AgentCard, 'securitySchemes' | 'securityRequirements'> {
  if (!bearer) return { securitySchemes: {}, securityRequirements: [] };
  const scheme: SecurityScheme = {
    scheme: {
      $case: 'httpAuthSecurityScheme',
      value: { description: 'The token the AOP server was started with (--token / AOP_TOKEN).', scheme: 'Bearer', bearerFormat: '' },
    },
  };
  return { securitySchemes: { bearer: scheme }, securityRequirements: [{ schemes: { bearer: { list: [] } } }] };
}

/** Skills of one agent: the agent itself (tags ∪ capabilities), then one per capability. */
export function agentSkills(agent: AgentDefinition): AgentSkill[] {
  const d = describeAgentTool(agent);
  const skill = (id: string, name: string, description: string, tags: string[]): AgentSkill => ({
    id,
    name,
    description,
    tags,
    examples: [],
    inputModes: ['text/plain'],
    outputModes: ['text/plain'],
    securityRequirements: [],
  });
  const tags = [...new Set([...agent.tags, ...agent.capabilities, agent.role].filter(Boolean))];
  return [
    skill(agent.name, d.title, agent.description, tags),
    ...agent.capabilities.map((c) => skill(`${agent.name}.${c}`, c, `${c} (${agent.name})`, [c, ...agent.tags])),
  ];
}

function card(fields: Pick<AgentCard, 'name' | 'description' | 'skills'>, url: string, o: CardOptions, skillsAreAgents = false): AgentCard {
  return {
    ...fields,
    supportedInterfaces: [{ url, protocolBinding: JSONRPC_BINDING, tenant: '', protocolVersion: A2A_PROTOCOL_VERSION }],
    provider: { organization: `AOP server ${o.serverName}`, url: o.base },
    version: VERSION,
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: skillsAreAgents
        ? [{ uri: SKILLS_ARE_AGENTS, description: 'Each skill is an agent: send params.tenant = the skill id.', required: false, params: undefined }]
        : [],
      extendedAgentCard: false,
    },
    ...security(o.bearer),
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    signatures: [],
  };
}

/** The A2A Agent Card of one agent; its JSON-RPC endpoint is `/a2a/<agent>`. */
export function agentCard(agent: AgentDefinition, o: CardOptions): AgentCard {
  return card({ name: agent.name, description: agent.description, skills: agentSkills(agent) }, `${o.base}${A2A_PREFIX}/${agent.name}`, o);
}

/**
 * The server card: every agent as a skill (skill id = agent name). Its endpoint `/a2a` picks the
 * agent from the request's `tenant` (A2A v1.0 `params.tenant`); each agent also has its own card.
 */
export function serverCard(agents: AgentDefinition[], o: CardOptions): AgentCard {
  const skills = agents.map((a) => agentSkills(a)[0]);
  const description =
    `AOP server "${o.serverName}" with ${agents.length} agent(s). Each skill is an agent: call it at ` +
    `${A2A_PREFIX}/<skill id> (card at ${A2A_PREFIX}/<skill id>${AGENT_CARD_FILE}), or here with tenant = <skill id>.`;
  return card({ name: o.serverName, description, skills }, `${o.base}${A2A_PREFIX}`, o, true);
}

/** Wire JSON (A2A v1.0, protobuf JSON mapping) of a card. */
export function cardJson(c: AgentCard): string {
  return JSON.stringify(AgentCard.toJSON(c));
}
