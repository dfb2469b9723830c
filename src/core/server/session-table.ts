import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { sessionToEvict, type ServerLimits } from './limits';
import { NodeHttpServerTransport, type DirectRequestHandler } from './streamable-http/node-http-transport';

export interface Session {
  transport: Transport & { handleRequest?: NodeHttpServerTransport['handleRequest']; inFlight?: number };
  /** The session's SDK Server: made on the first request the direct paths do not answer. */
  server?: Server;
  lastSeen: number;
  address: string;
  uses: number;
  busy(): boolean;
}

export interface SessionTableOptions {
  limits: ServerLimits;
  /** Most concurrent sessions; the idlest idle one is closed past it. */
  maxSessions: number;
  /** A new SDK Server with the MCP handlers, one per session (made when the session first needs it). */
  createServer: () => Server;
  /** Requests the sessions' transports answer without the SDK Server (initialize, ping, tools/list, tools/call). */
  directRequest?: DirectRequestHandler;
}

const STDIO = 'stdio';

/**
 * The MCP sessions of a server by Mcp-Session-Id: opens one per initialize (closing the idlest
 * idle session when the table or the client's share is full), closes idle ones on a timer.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly options: SessionTableOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /** The session of a request (marked as used now), or undefined when there is none by that id. */
  use(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (session) {
      session.lastSeen = Date.now();
      session.uses++;
    }
    return session;
  }

  /** A new session for a client at `address`, or undefined when no room can be made. */
  async open(address: string): Promise<Session | undefined> {
    const { limits, maxSessions } = this.options;
    // Closing one idle session makes room; a session with a call in flight is never closed for it.
    const victim = sessionToEvict(this.sessions, address, maxSessions, limits.maxSessionsPerClient);
    if (victim === undefined) return undefined;
    if (victim !== null) this.close(victim);
    const transport: NodeHttpServerTransport = new NodeHttpServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxBatchLength: limits.maxBatchLength,
      maxAnswerBytes: limits.maxAnswerBytes,
      maxInFlight: limits.maxInFlightPerSession,
      directRequest: this.options.directRequest,
      connectProtocol: () => {
        const server = this.options.createServer();
        session.server = server;
        void server.connect(transport).catch(() => {});
      },
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    const session: Session = { lastSeen: Date.now(), transport, address, uses: 1, busy: () => transport.inFlight > 0 };
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    return session;
  }

  /** The one session of a server on stdio (never closed for being idle). */
  async openStdio(transport: Transport): Promise<void> {
    const server = this.options.createServer();
    this.sessions.set(STDIO, { transport, server, lastSeen: Date.now(), address: STDIO, uses: 0, busy: () => true });
    await server.connect(transport);
  }

  close(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    void closeSession(s).catch(() => {});
  }

  /** Closes, every while, the sessions idle longer than `idleMs` with no call in flight. */
  startIdleTimer(idleMs: number): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = setInterval(() => this.closeIdle(idleMs), Math.min(idleMs, 60_000));
    this.idleTimer.unref();
  }

  private closeIdle(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of this.sessions) {
      if (id !== STDIO && s.lastSeen < cutoff && !s.busy()) this.close(id);
    }
  }

  /** Tells every session's client that tools/list changed. */
  broadcastToolListChanged(): void {
    for (const s of this.sessions.values()) {
      const sent = s.server ? s.server.sendToolListChanged() : s.transport.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
      void sent.catch(() => {});
    }
  }

  async closeAll(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map(closeSession));
  }
}

/** Closes a session's SDK Server (which closes its transport), or its transport alone. */
function closeSession(s: Session): Promise<void> {
  return s.server ? s.server.close() : s.transport.close();
}
