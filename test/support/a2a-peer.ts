/**
 * A real A2A agent built with the official SDK's server (`@a2a-js/sdk/server` + its Express
 * handlers), on 127.0.0.1 and a free port, for cluster tests. It answers `peer: <task>` as a
 * stream of artifact chunks; tasks containing `hang` wait until cancelled, `forever` stream
 * chunks until cancelled, `huge` stream an artifact of `hugeBytes` characters in 512 KiB chunks, `fail`
 * fails. Every message and cancel is recorded.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { TaskState, type AgentCard, type Message } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { UserBuilder, agentCardHandler, jsonRpcHandler } from '@a2a-js/sdk/server/express';

export interface A2aPeer {
  base: string;
  cardUrl: string;
  /** Messages received (metadata carries traceparent and hops). */
  messages: Message[];
  /** Task ids the client cancelled. */
  cancels: string[];
  /** Authorization headers seen on JSON-RPC calls. */
  auth: Array<string | undefined>;
  /** Replace the card served (malformed-card tests): a value, or raw text. */
  setCard(card: unknown): void;
  close(): Promise<void>;
}

export interface PeerOptions {
  name?: string;
  streaming?: boolean;
  hugeBytes?: number;
  /** Require this bearer token on JSON-RPC calls. */
  token?: string;
}

const text = (m: Message) => m.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
const part = (value: string) => ({ content: { $case: 'text' as const, value }, mediaType: 'text/plain', filename: '', metadata: undefined });

export async function startA2aPeer(opts: PeerOptions = {}): Promise<A2aPeer> {
  const messages: Message[] = [];
  const cancels: string[] = [];
  const auth: Array<string | undefined> = [];
  const live = new Map<string, () => void>();
  let override: unknown;

  const executor: AgentExecutor = {
    async execute(ctx: RequestContext, bus: ExecutionEventBus) {
      const { taskId, contextId } = ctx;
      const msg = ctx.userMessage;
      messages.push(msg);
      const task = text(msg);
      const status = (state: TaskState, said?: string) =>
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: {
              state,
              message: said ? { messageId: `s-${taskId}-${state}`, contextId, taskId, role: 2, parts: [part(said)], metadata: undefined, extensions: [], referenceTaskIds: [] } : undefined,
              timestamp: new Date().toISOString(),
            },
            metadata: undefined,
          }),
        );
      const artifact = (value: string, append: boolean, lastChunk: boolean) =>
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            artifact: { artifactId: 'answer', name: 'answer', description: '', parts: [part(value)], metadata: undefined, extensions: [] },
            append,
            lastChunk,
            metadata: undefined,
          }),
        );
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
          artifacts: [],
          history: [msg],
          metadata: {},
        }),
      );
      status(TaskState.TASK_STATE_WORKING);
      if (task.includes('fail')) return status(TaskState.TASK_STATE_FAILED, 'peer could not do it');
      if (task.includes('hang') || task.includes('forever')) {
        await new Promise<void>((resolve) => {
          live.set(taskId, resolve);
          if (task.includes('forever')) {
            const timer = setInterval(() => artifact('.', true, false), 20);
            live.set(taskId, () => {
              clearInterval(timer);
              resolve();
            });
          }
        });
        return;
      }
      if (task.includes('huge')) {
        // In 512 KiB chunks: no single event is large, the whole answer is.
        const total = opts.hugeBytes ?? 6 * 1024 * 1024;
        const chunk = 'x'.repeat(512 * 1024);
        for (let sent = 0; sent < total; sent += chunk.length) artifact(chunk, sent > 0, sent + chunk.length >= total);
        return status(TaskState.TASK_STATE_COMPLETED);
      }
      const answer = `peer: ${task}`;
      const half = Math.ceil(answer.length / 2);
      artifact(answer.slice(0, half), false, false);
      artifact(answer.slice(half), true, true);
      status(TaskState.TASK_STATE_COMPLETED);
    },
    async cancelTask(taskId: string, bus: ExecutionEventBus) {
      cancels.push(taskId);
      live.get(taskId)?.();
      live.delete(taskId);
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: '',
          status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() },
          metadata: undefined,
        }),
      );
    },
  };

  const app = express();
  let base = '';
  const card = (): AgentCard => ({
    name: opts.name ?? 'Echo Peer',
    description: 'An A2A agent built with the official SDK',
    supportedInterfaces: [{ url: `${base}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: opts.streaming ?? true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      { id: 'echo', name: 'echo', description: 'Echoes', tags: ['echo', 'test'], examples: [], inputModes: [], outputModes: [], securityRequirements: [] },
      { id: 'shout', name: 'shout', description: 'Shouts', tags: ['loud'], examples: [], inputModes: [], outputModes: [], securityRequirements: [] },
    ],
    signatures: [],
  });
  const requestHandler = new DefaultRequestHandler(card(), new InMemoryTaskStore(), executor);
  app.get('/.well-known/agent-card.json', (req, res, next) => {
    if (override === undefined) return next();
    res.type('application/json').send(typeof override === 'string' ? override : JSON.stringify(override));
  });
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: async () => card(), cache: { maxAge: 0 } }));
  app.use('/a2a/jsonrpc', (req, res, next) => {
    auth.push(req.header('authorization'));
    if (opts.token && req.header('authorization') !== `Bearer ${opts.token}`) return void res.status(401).json({ error: 'unauthorized' });
    next();
  });
  app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    cardUrl: `${base}/.well-known/agent-card.json`,
    messages,
    cancels,
    auth,
    setCard(c) {
      override = c;
    },
    async close() {
      for (const stop of live.values()) stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
