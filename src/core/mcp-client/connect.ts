import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import type { HttpAuth } from '../cluster/auth/http-auth';
import { VERSION } from '../version';
import { LegacySseClientTransport } from './legacy-sse';
import { McpSession } from './mcp-session';
import { NodeHttpClientTransport } from './streamable-http';

export type TransportKind = 'streamable-http' | 'sse';
/** Which transport to speak: `auto` tries Streamable HTTP, then the old HTTP+SSE after a 4xx. */
export type TransportChoice = 'auto' | TransportKind;

/** How a connection builds its transport; the default is `defaultTransportFactory`. */
export type TransportFactory = (
  url: URL,
  headers: Record<string, string>,
  kind: TransportKind,
  auth?: HttpAuth,
  options?: TransportOptions,
) => Promise<Transport> | Transport;

export interface TransportOptions {
  maxResponseBytes?: number;
  /** Open the Streamable HTTP session's GET stream for server notifications (default true). */
  openServerStream?: boolean;
}

/**
 * Streamable HTTP through our Node-native client transport (keep-alive pool, JSON fast path;
 * see bench/NOTES.md), with MCP authorization when `auth` is given; `sse` for servers that only
 * speak the old HTTP+SSE transport (no OAuth there: give such a server a token header).
 */
export const defaultTransportFactory: TransportFactory = (url, headers, kind, auth, options) =>
  kind === 'sse'
    ? new LegacySseClientTransport(url, { headers, maxResponseBytes: options?.maxResponseBytes })
    : new NodeHttpClientTransport(url, { headers, auth, maxResponseBytes: options?.maxResponseBytes, openServerStream: options?.openServerStream });

/**
 * One JSON Schema validator for every Client, created on first use. Each SDK `Client` otherwise
 * builds its own Ajv instance in its constructor (~0.5–1 ms of meta-schema compilation): 10 of
 * them per cold discovery of 10 servers, on the critical path (bench/NOTES.md, discovery).
 */
let sharedAjv: AjvJsonSchemaValidator | undefined;
const sharedValidator: jsonSchemaValidator = {
  getValidator: (schema) => (sharedAjv ??= new AjvJsonSchemaValidator()).getValidator(schema),
};

/** A new SDK Client (no capabilities) sharing the one schema validator. */
export function newClient(name: string): Client {
  return new Client({ name, version: VERSION }, { capabilities: {}, jsonSchemaValidator: sharedValidator });
}

/** Errors after which `auto` does not try the old HTTP+SSE transport (the user must act first). */
const FINAL_ERRORS = new Set(['OAuthSetupError', 'SignInRequiredError']);

/** A new MCP session in plain code (what discovery speaks; an SDK Client can go on in it: McpSession.sdkTransport). */
export function newSession(name: string): McpSession {
  return new McpSession({ name, version: VERSION });
}

/** What connectWithFallback connects: an SDK Client or an McpSession. */
interface Connectable {
  connect(transport: Transport, opts: { timeout: number; signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects `makeClient()` clients (initialize) over the transports `choice` allows, in order:
 * only a 400/404/405 on Streamable HTTP hints at an old SSE-only server; any other failure is
 * final. Throws the last failure.
 */
export async function connectWithFallback<C extends Connectable>(
  makeClient: () => C,
  makeTransport: (kind: TransportKind) => Promise<Transport> | Transport,
  choice: TransportChoice,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<C> {
  const kinds: TransportKind[] = choice === 'auto' ? ['streamable-http', 'sse'] : [choice];
  let lastErr: unknown;
  for (const kind of kinds) {
    const client = makeClient();
    const transport = await makeTransport(kind);
    try {
      await client.connect(transport, { timeout: opts.timeoutMs, signal: opts.signal });
      return client;
    } catch (err) {
      lastErr = err;
      await client.close().catch(() => {});
      if (FINAL_ERRORS.has((err as Error)?.name)) break;
      if (!/\b(400|404|405)\b/.test(String((err as Error)?.message))) break;
    }
  }
  throw lastErr;
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Connect/initialize timeout in ms (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  clientName?: string;
  /** Default `auto`. */
  transport?: TransportChoice;
  /** Go on in this Streamable HTTP session (no initialize) instead of opening a new one. */
  sessionId?: string;
  /** Leave the session open on close (no DELETE), e.g. for a task a later command follows. */
  keepSession?: boolean;
  maxResponseBytes?: number;
}

/**
 * Opens one MCP session to a server with the same client transport the cluster uses (the CLI's
 * `aop call` and `aop task`, an agent file's `mcp_servers`).
 */
export async function connectMcp(url: string, opts: ConnectOptions = {}): Promise<Client> {
  const target = new URL(url);
  const headers = opts.headers ?? {};
  const name = opts.clientName ?? 'aop-client';
  const streamable = () =>
    new NodeHttpClientTransport(target, { headers, sessionId: opts.sessionId, keepSession: opts.keepSession, maxResponseBytes: opts.maxResponseBytes });
  return connectWithFallback(
    () => newClient(name),
    (kind) => (kind === 'sse' ? defaultTransportFactory(target, headers, 'sse', undefined, opts) : streamable()),
    opts.sessionId ? 'streamable-http' : (opts.transport ?? 'auto'),
    { timeoutMs: opts.timeoutMs ?? 10_000, signal: opts.signal },
  );
}
