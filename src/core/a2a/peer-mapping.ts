import { TaskState, type AgentCard, type Artifact, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { agentToolInputSchema, agentToolOutputSchema, type AgentResult } from '../execution/tool-schema';
import type { RemoteAgentInfo } from '../cluster/remote-agents';
import { SKILLS_ARE_AGENTS } from './cards';
import { A2A_META, AGENT_META } from '../meta-keys';

/** How an A2A peer maps onto AOP: cards → agents (discovery), answers → agent results. */

/** Most skills/tags taken from a card into discovery. */
const MAX_SKILLS = 32;
const MAX_TEXT = 2000;

const schema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io }) as Record<string, unknown>;
  return rest;
};
const INPUT_SCHEMA = schema(agentToolInputSchema, 'input') as Tool['inputSchema'];
const OUTPUT_SCHEMA = schema(agentToolOutputSchema, 'output') as Tool['outputSchema'];

/** A tool name from a card name: letters, digits, `_` and `-`, at most 40 characters. */
export function a2aToolName(cardName: string): string {
  const n = cardName.trim().replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return n || 'agent';
}

const cut = (s: unknown, n = MAX_TEXT) => (typeof s === 'string' ? (s.length > n ? `${s.slice(0, n - 1)}…` : s) : '');

/**
 * Discovery info of an A2A card: one agent per card (skills become its tags and capabilities), or
 * — for a card declaring SKILLS_ARE_AGENTS (an AOP server card) — one agent per skill, called
 * with `tenant` = the skill id.
 */
export function cardToAgentInfos(card: AgentCard, cardUrl: string, endpoint: string): Array<RemoteAgentInfo & { tenant: string }> {
  if (!card.capabilities?.extensions.some((e) => e.uri === SKILLS_ARE_AGENTS)) return [{ ...cardToAgentInfo(card, cardUrl, endpoint), tenant: '' }];
  const seen = new Set<string>();
  const out: Array<RemoteAgentInfo & { tenant: string }> = [];
  for (const skill of card.skills.slice(0, 1000)) {
    const name = a2aToolName(skill.id);
    if (!skill.id || seen.has(name)) continue;
    seen.add(name);
    const info = cardToAgentInfo({ ...card, name: skill.id, description: skill.description, skills: [] }, cardUrl, endpoint);
    info.tags = [...new Set(skill.tags.map((t) => cut(t, 64)))].filter(Boolean).slice(0, MAX_SKILLS);
    (info.tool._meta![AGENT_META] as Record<string, unknown>).tags = info.tags;
    (info.tool._meta![A2A_META] as Record<string, unknown>).tenant = skill.id;
    out.push({ ...info, tenant: skill.id });
  }
  return out;
}

function cardToAgentInfo(card: AgentCard, cardUrl: string, endpoint: string): RemoteAgentInfo {
  const skills = card.skills.slice(0, MAX_SKILLS);
  const tags = [...new Set(skills.flatMap((s) => s.tags.map((t) => cut(t, 64))))].filter(Boolean).slice(0, MAX_SKILLS);
  const capabilities = [...new Set(skills.map((s) => cut(s.name || s.id, 64)))].filter(Boolean);
  const skillText = skills.length ? ` Skills: ${skills.map((s) => cut(s.name || s.id, 64)).join(', ')}.` : '';
  const description = cut(`${cut(card.description, MAX_TEXT)}${skillText}`, MAX_TEXT) || `A2A agent ${cut(card.name, 80)}`;
  const name = a2aToolName(card.name);
  const tool: Tool = {
    name,
    title: cut(card.name, 80),
    description,
    inputSchema: INPUT_SCHEMA,
    outputSchema: OUTPUT_SCHEMA,
    annotations: { title: cut(card.name, 80), openWorldHint: true, readOnlyHint: false, destructiveHint: false },
    _meta: {
      [AGENT_META]: { model: null, provider: 'a2a', tags, capabilities, role: 'worker' },
      [A2A_META]: { card: cardUrl, endpoint, version: cut(card.version, 64), streaming: card.capabilities?.streaming === true },
    },
  };
  return { tool, isAgent: true, description, tags, capabilities, role: 'worker' };
}

/** Text of parts: text as is (streamed chunks are parts of one artifact, so no separator), data as JSON. */
function partsText(parts: Part[]): string {
  return parts.map((p) => (p.content?.$case === 'text' ? p.content.value : p.content?.$case === 'data' ? JSON.stringify(p.content.value) : '')).join('');
}

/** An A2A answer (final task or message) as an AOP agent result. */
export function a2aResult(answer: Task | Message): AgentResult {
  if ('messageId' in answer) return { result: partsText(answer.parts), success: true, error: null };
  const state = answer.status?.state;
  const said = answer.status?.message ? partsText(answer.status.message.parts) : '';
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED:
      return { result: answer.artifacts.map((a) => partsText(a.parts)).filter(Boolean).join('\n') || said, success: true, error: null };
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return {
        result: '',
        success: false,
        error: `the A2A agent needs ${state === TaskState.TASK_STATE_AUTH_REQUIRED ? 'authentication' : 'more input'}${said ? `: ${said}` : ''} (AOP calls are one message each)`,
      };
    case TaskState.TASK_STATE_CANCELED:
      return { result: '', success: false, error: `the A2A task was canceled${said ? `: ${said}` : ''}` };
    case TaskState.TASK_STATE_REJECTED:
      return { result: '', success: false, error: `the A2A agent rejected the task${said ? `: ${said}` : ''}` };
    case TaskState.TASK_STATE_FAILED:
      return { result: '', success: false, error: said || 'the A2A task failed' };
    default:
      return { result: '', success: false, error: `the A2A task ended in state ${TaskState[state ?? TaskState.TASK_STATE_UNSPECIFIED] ?? state}` };
  }
}

let finalStates: Set<TaskState> | undefined;

/** A state after which the task will not change. (Built on first use: bundled, the A2A SDK loads on its first use — esbuild.mjs.) */
export function isFinalState(state: TaskState): boolean {
  finalStates ??= new Set<TaskState>([
    TaskState.TASK_STATE_COMPLETED,
    TaskState.TASK_STATE_FAILED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_REJECTED,
    TaskState.TASK_STATE_INPUT_REQUIRED,
    TaskState.TASK_STATE_AUTH_REQUIRED,
  ]);
  return finalStates.has(state);
}

/** The task as a stream tells it: status and artifact updates folded into one Task. */
export class StreamState {
  task?: Task;
  chars = 0;

  apply(p: NonNullable<StreamResponse['payload']>): string {
    switch (p.$case) {
      case 'task':
        this.task = { ...p.value, artifacts: [...p.value.artifacts] };
        return '';
      case 'statusUpdate':
        this.task ??= emptyTask(p.value.taskId, p.value.contextId);
        this.task.status = p.value.status;
        if (p.value.metadata) this.task.metadata = { ...this.task.metadata, ...p.value.metadata };
        return '';
      case 'artifactUpdate': {
        const a = p.value.artifact;
        if (!a) return '';
        this.task ??= emptyTask(p.value.taskId, p.value.contextId);
        const list = this.task.artifacts;
        const i = list.findIndex((x) => x.artifactId === a.artifactId);
        const delta = partsText(a.parts);
        if (i >= 0 && p.value.append) list[i] = { ...list[i], parts: [...list[i].parts, ...a.parts] } as Artifact;
        else if (i >= 0) list[i] = a;
        else list.push(a);
        if (!p.value.append && i >= 0) return ''; // a replacement (final artifact): no new text
        this.chars += delta.length;
        return delta;
      }
      default:
        return '';
    }
  }
}

function emptyTask(id: string, contextId: string): Task {
  return { id, contextId, status: undefined, artifacts: [], history: [], metadata: {} };
}
