import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { abortError, throwIfAborted } from './abort';
import type { ChatModel, ChatRequest, ChatResponse } from './types';
import { ModelError } from './types';

export interface CommandChatModelOptions {
  /** Program and arguments; run directly, never through a shell. */
  argv: string[];
  /** Working directory. Default: `process.cwd()` (the resolver passes the agent file's directory). */
  cwd?: string;
  /** Base environment. Default: `process.env`. The `AOP_*` variables are added on top. */
  env?: NodeJS.ProcessEnv;
  /** Agent name, exported as `AOP_AGENT`. */
  agentName?: string;
  /** Default model, exported as `AOP_MODEL`; `request.model` wins. */
  model?: string;
  /** Time between SIGTERM and SIGKILL when the call is aborted. Default 2000 ms. */
  killGraceMs?: number;
  /** Identifier of this model instance. Default: `command:<argv…>`. */
  id?: string;
}

const STDERR_TAIL_BYTES = 2048;

/**
 * Runs a CLI agent or script per call: the task goes to stdin, the answer is stdout.
 * Environment: `AOP_SYSTEM_PROMPT`, `AOP_MODEL`, `AOP_AGENT`, and when set `AOP_TEMPERATURE`,
 * `AOP_MAX_TOKENS`, `AOP_IMAGES` (newline-separated).
 */
export class CommandChatModel implements ChatModel {
  readonly id: string;
  private readonly argv: string[];

  constructor(private readonly options: CommandChatModelOptions) {
    if (!options.argv || options.argv.length === 0 || !options.argv[0]) {
      throw new ModelError('provider "command" needs a command to run', false);
    }
    this.argv = [...options.argv];
    this.id = options.id ?? `command:${this.argv.join(' ')}`;
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const { signal } = request;
    throwIfAborted(signal);
    const [program, ...args] = this.argv;
    const cwd = this.options.cwd ?? process.cwd();
    if (!isDirectory(cwd)) {
      throw new ModelError(`working directory of command not found: ${cwd}`, false);
    }
    const model = request.model ?? this.options.model;
    const env: NodeJS.ProcessEnv = {
      ...(this.options.env ?? process.env),
      AOP_SYSTEM_PROMPT: request.system ?? '',
      AOP_MODEL: model ?? '',
      AOP_AGENT: this.options.agentName ?? '',
      // Orchestration (agents with tools:): where to call back and a token scoped to this invocation.
      ...request.env,
    };
    if (request.temperature !== undefined) env.AOP_TEMPERATURE = String(request.temperature);
    if (request.maxTokens !== undefined) env.AOP_MAX_TOKENS = String(request.maxTokens);
    if (request.images?.length) env.AOP_IMAGES = request.images.join('\n');

    const posix = process.platform !== 'win32';
    return new Promise<ChatResponse>((resolve, reject) => {
      let settled = false;
      let exited = false;
      let killTimer: NodeJS.Timeout | undefined;
      let stdout = '';
      let stderr = '';
      const outDecoder = new StringDecoder('utf8');
      const errDecoder = new StringDecoder('utf8');

      let child: ChildProcess;
      try {
        child = spawn(program, args, {
          cwd,
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
          windowsHide: true,
          // Own process group on POSIX so an abort also reaches the grandchildren (`sh -c`, wrappers).
          detached: posix,
        });
      } catch (error) {
        reject(spawnError(error, program));
        return;
      }

      const finish = (error: Error | undefined, value?: ChatResponse) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value!);
      };

      // POSIX: signal the whole process group (the leader may be gone while its children live on).
      const kill = (sig: NodeJS.Signals) => {
        if (posix && child.pid !== undefined) {
          try {
            process.kill(-child.pid, sig);
            return;
          } catch {
            /* group gone or not ours: fall back to the leader */
          }
        }
        if (exited) return;
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      };

      const onAbort = () => {
        kill('SIGTERM');
        const grace = this.options.killGraceMs ?? 2000;
        killTimer = setTimeout(() => kill('SIGKILL'), grace);
        finish(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });

      child.on('error', (error) => {
        exited = exited || child.pid === undefined;
        finish(spawnError(error, program));
      });

      child.stdout!.on('data', (data: Buffer) => {
        const text = outDecoder.write(data);
        if (!text) return;
        stdout += text;
        if (!settled && request.onText) {
          try {
            request.onText(text);
          } catch (error) {
            kill('SIGTERM');
            finish(error instanceof Error ? error : new Error(String(error)));
          }
        }
      });
      child.stderr!.on('data', (data: Buffer) => {
        stderr += errDecoder.write(data);
        if (stderr.length > STDERR_TAIL_BYTES * 2) stderr = stderr.slice(-STDERR_TAIL_BYTES);
      });

      // The child may exit without reading stdin: ignore EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(request.task ?? '');

      child.on('exit', () => {
        exited = true;
      });

      child.on('close', (code, sig) => {
        exited = true;
        // Stop the SIGKILL escalation when nothing of the group is left.
        if (killTimer && !groupAlive(child.pid, posix)) clearTimeout(killTimer);
        const rest = outDecoder.end();
        if (rest) {
          stdout += rest;
          if (!settled) request.onText?.(rest);
        }
        stderr += errDecoder.end();
        if (settled) return;
        const tail = tailOf(stderr);
        if (code === 0) {
          finish(undefined, { text: stdout.trimEnd(), model, finishReason: 'exit 0' });
          return;
        }
        const name = path.basename(program);
        const why = code !== null ? `exited with code ${code}` : `was killed by ${sig ?? 'a signal'}`;
        const notFound = code === 127;
        finish(
          new ModelError(
            `command "${name}" ${why}${notFound ? ' (command not found?)' : ''}${tail ? `: ${tail}` : ' (no stderr output)'}`,
            !notFound && code !== 126,
          ),
        );
      });
    });
  }
}

function spawnError(error: unknown, program: string): ModelError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new ModelError(`command not found: ${program}`, false);
  if (code === 'EACCES' || code === 'EPERM') return new ModelError(`command is not executable: ${program}`, false);
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError(`could not start command ${program}: ${message}`, false);
}

function tailOf(stderr: string): string {
  const trimmed = stderr.trim();
  if (trimmed.length <= STDERR_TAIL_BYTES) return trimmed;
  return `…${trimmed.slice(-STDERR_TAIL_BYTES)}`;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Whether any process of the group led by `pid` still exists. */
function groupAlive(pid: number | undefined, posix: boolean): boolean {
  if (!posix || pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
