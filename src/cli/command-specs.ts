/**
 * What `aop --help` and `aop <command> --help` print, and the flags each command parses: names,
 * summaries, usage lines and options only. Kept apart from the commands themselves so that the
 * CLI's entry (main.ts) can answer `--help` and parse flags without loading any command's code
 * (each command is its own bundle, dist/cli-<command>.js, loaded when it runs). Import nothing
 * heavy here: this module is part of every `aop` start-up.
 */
// Not through src/core/index.ts, which would bring the whole core into dist/cli.js.
// eslint-disable-next-line no-restricted-imports
import { defaultTracesDir } from '../core/tracing/paths';
import { LIMIT_OPTIONS } from './serve-limits';
import type { CliCommandSpec, CliOption } from './usage';

/** `aop serve` flags for announcing the server in an etcd registry. */
export const REGISTRY_SERVE_OPTIONS: Record<string, CliOption> = {
  registry: { type: 'string', description: 'Announce this server in etcd: etcd://host:port[,host:port…]/<prefix>' },
  advertise: { type: 'string', description: 'URL clients reach this server at, written to the registry (default: the listen URL)' },
  'registry-ttl': { type: 'string', description: 'Seconds the registration outlives a silent server (lease TTL, default 10)' },
  'registry-user': { type: 'string', description: 'etcd user (default $AOP_ETCD_USER; the password only from $AOP_ETCD_PASSWORD)' },
  'registry-ca': { type: 'string', description: 'CA file for etcds:// (default $AOP_ETCD_CA)' },
  'registry-cert': { type: 'string', description: 'Client certificate for etcds:// (default $AOP_ETCD_CERT)' },
  'registry-key': { type: 'string', description: 'Client key for etcds:// (default $AOP_ETCD_KEY)' },
};

export const SERVE_SPEC: CliCommandSpec = {
  summary: 'Serve the agents of folders or files as MCP tools (Streamable HTTP or stdio)',
  usage: 'aop serve [paths…] [--port 8000] [--host 127.0.0.1] [--token T] [--stdio] [--name N] [--registry etcd://host:port/<prefix> --advertise URL]',
  options: {
    port: { type: 'string', short: 'p', description: 'Port to listen on (default 8000; 0 = any free port)' },
    host: { type: 'string', description: 'Address to bind (default 127.0.0.1; others need --token)' },
    token: { type: 'string', description: 'Bearer token clients must send (default: $AOP_TOKEN)' },
    'allowed-host': { type: 'string', multiple: true, description: 'Extra Host header value to accept (repeatable)' },
    'allowed-origin': { type: 'string', multiple: true, description: 'Extra Origin to accept (repeatable)' },
    name: { type: 'string', description: 'Server name shown to clients (default "aop")' },
    stdio: { type: 'boolean', description: 'Serve MCP on stdin/stdout instead of HTTP' },
    'no-watch': { type: 'boolean', description: 'Do not reload agent files when they change' },
    'traces-dir': { type: 'string', description: `Record traces here for "aop traces" (default: $AOP_TRACES_DIR or ${defaultTracesDir()})` },
    'otlp-endpoint': { type: 'string', description: 'Send traces to this OTLP/HTTP endpoint (default: $OTEL_EXPORTER_OTLP_ENDPOINT)' },
    cluster: { type: 'string', short: 'c', multiple: true, description: 'Re-export the tools of a cluster file as <alias>__<tool> (repeatable)' },
    'max-hops': { type: 'string', description: 'Refuse calls that crossed more servers than this (default 3)' },
    ...LIMIT_OPTIONS,
    'tools-page-size': { type: 'string', description: 'Tools per tools/list page, with a cursor for the rest (default: all in one answer)' },
    'auth-issuer': { type: 'string', description: 'Accept JWT access tokens of this OAuth issuer instead of --token (MCP authorization)' },
    audience: { type: 'string', description: 'With --auth-issuer: the "aud" tokens must carry (this server\'s public URL)' },
    ...REGISTRY_SERVE_OPTIONS,
  },
};

export const CALL_SPEC: CliCommandSpec = {
  summary: 'Call one agent (tool) on an AOP or MCP server and print its answer',
  usage: 'aop call <url> <tool> --task "…" [--token T] [--json] [--timeout SECONDS] [--detach [--ttl SECONDS]]\n       aop call --cluster FILE <tool> --task "…"',
  options: {
    cluster: { type: 'string', short: 'c', description: 'Route the call through a cluster file (failover among replicas)' },
    task: { type: 'string', short: 't', description: 'The task for the agent (required for agents)' },
    args: { type: 'string', description: 'Tool arguments as JSON, for tools that are not agents' },
    token: { type: 'string', description: 'Bearer token (default: $AOP_TOKEN)' },
    header: { type: 'string', short: 'H', multiple: true, description: 'Extra HTTP header "Name: value" (repeatable)' },
    json: { type: 'boolean', description: 'Print the whole tool result as JSON' },
    timeout: { type: 'string', description: 'Give up after this many seconds (default 600)' },
    detach: { type: 'boolean', description: 'Start the call as an MCP task, print its id and return (see "aop task")' },
    ttl: { type: 'string', description: 'With --detach: keep the result this many seconds (the server may clamp it)' },
  },
};

export const DISCOVER_SPEC: CliCommandSpec = {
  summary: 'Discover the agents of AOP servers (URLs or a cluster file): health, latency, agents',
  usage: 'aop discover [url…] [--cluster FILE] [--token T] [--search Q] [--json]',
  options: {
    cluster: { type: 'string', short: 'c', description: 'Cluster file (JSON; see README "Clusters")' },
    token: { type: 'string', description: 'Bearer token for URLs given on the command line (default: $AOP_TOKEN)' },
    header: { type: 'string', short: 'H', multiple: true, description: 'Extra HTTP header "Name: value"' },
    search: { type: 'string', short: 's', description: 'Only agents matching this query' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
};

export const VALIDATE_SPEC: CliCommandSpec = {
  summary: 'Check agent files and report every problem with file:line:column (exit 1 on errors)',
  usage: 'aop validate [paths…] [--json]',
  options: {
    json: { type: 'boolean', description: 'Print the findings as JSON' },
  },
};

export const TRACES_SPEC: CliCommandSpec = {
  summary: 'Show the last agent invocations a server recorded, as span trees (or export OTLP/JSON)',
  usage: 'aop traces [--dir D] [--server S|all] [--agent A] [--last N] [--status ok|error] [--trace ID] [--otlp out.json] [--json]',
  options: {
    dir: { type: 'string', description: `Traces folder (default: $AOP_TRACES_DIR or ${defaultTracesDir()})` },
    server: {
      type: 'string',
      description: 'Only calls served by this server (id, name or URL); "all" for every server (default: the servers of this folder, when known)',
    },
    agent: { type: 'string', short: 'a', description: 'Only calls of this agent' },
    last: { type: 'string', short: 'n', description: 'How many traces, newest first (default 10)' },
    status: { type: 'string', description: 'Only ok or error calls' },
    trace: { type: 'string', description: 'One trace by id (or id prefix)' },
    since: { type: 'string', description: 'Only calls that started in the last N minutes' },
    otlp: { type: 'string', description: 'Write the selected traces as OTLP/JSON to this file' },
    'otlp-endpoint': { type: 'string', description: 'Send the selected traces to this OTLP/HTTP endpoint' },
    json: { type: 'boolean', description: 'Print the traces as JSON (our span records)' },
  },
};

export const LOGIN_SPEC: CliCommandSpec = {
  summary: 'Sign in to an MCP server that needs authorization (OAuth, in your browser)',
  usage: 'aop login <url> [--client-id ID] [--client-secret-env VAR] [--scope S] [--no-browser]',
  options: {
    'client-id': { type: 'string', description: 'Pre-registered OAuth client id (default: register dynamically)' },
    'client-secret-env': { type: 'string', description: 'Environment variable holding the client secret of --client-id' },
    'client-metadata-url': { type: 'string', description: 'https URL of this client\'s Client ID Metadata Document' },
    scope: { type: 'string', description: 'Scope to ask for when the server names none' },
    'no-browser': { type: 'boolean', description: 'Only print the sign-in URL' },
  },
};

export const LOGOUT_SPEC: CliCommandSpec = {
  summary: 'Forget the sign-in of an MCP server (or of all with --all)',
  usage: 'aop logout <url> | --all',
  options: {
    all: { type: 'boolean', description: 'Forget every saved sign-in' },
  },
};

export const TASK_SPEC: CliCommandSpec = {
  summary: 'Follow long-running calls (MCP tasks): get, result, cancel, list',
  usage:
    'aop task get|result|cancel <url> <task-id> [--token T] [--session SID]\n       aop task list <url> [--token T] [--session SID] [--json]',
  options: {
    token: { type: 'string', description: 'Bearer token (default: $AOP_TOKEN); tasks belong to the token that created them' },
    session: { type: 'string', description: 'MCP session of a detached call (servers without a token bind tasks to the session)' },
    header: { type: 'string', short: 'H', multiple: true, description: 'Extra HTTP header "Name: value" (repeatable)' },
    json: { type: 'boolean', description: 'Print JSON' },
    timeout: { type: 'string', description: '"result": give up waiting after this many seconds (default 3600)' },
  },
};
