import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { isAbortError } from '../../src/core/models/abort';
import { CommandChatModel } from '../../src/core/models/command';
import { ModelError, type ChatRequest } from '../../src/core/models/types';
import { isAlive, waitUntil } from '../support/process';

const AGENT = path.join(__dirname, '..', 'support', 'echo-agent.js');
const node = (...args: string[]) => [process.execPath, AGENT, ...args];

function req(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { system: 'Be brief.', task: 'What is 2+2?', signal: new AbortController().signal, ...overrides };
}

/** The error the promise rejects with; fails the test when it resolves or hangs longer than `ms`. */
async function rejection(promise: Promise<unknown>, ms = 4000): Promise<any> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the call did not settle within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, hang]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('the call did not settle')) assert.fail(error.message);
    return error;
  } finally {
    clearTimeout(timer);
  }
  assert.fail('expected the call to reject');
}

/** Every agent pid seen, killed after the tests so a failing test leaves no processes behind. */
const started: number[] = [];
after(() => {
  for (const pid of started) {
    if (!isAlive(pid)) continue;
    try {
      if (process.platform === 'linux' && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('echo-agent')) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
});

/** Starts a call and resolves with the pids the agent prints ("pid N" / "pids N M") and the pending call. */
async function startAndGetPids(model: CommandChatModel, signal: AbortSignal) {
  let out = '';
  const call = model.complete(req({ signal, onText: (d) => (out += d) }));
  call.catch(() => undefined);
  await waitUntil(() => /\n/.test(out), 5000, 'agent printed its pid');
  const pids = out.trim().split(/\s+/).slice(1).map(Number);
  started.push(...pids);
  assert.ok(pids.length > 0 && pids.every((p) => p > 0), `bad pid line: ${out}`);
  return { call, pids };
}

describe('CommandChatModel', { timeout: 30_000 }, () => {
  it('passes the task on stdin and the system prompt, model and agent in the environment', async () => {
    const model = new CommandChatModel({ argv: node('echo'), agentName: 'adder', model: 'm1' });
    const deltas: string[] = [];
    const answer = await model.complete(req({ task: 'line one\nline two', onText: (d) => deltas.push(d) }));
    assert.equal(answer.text, 'system: Be brief.\nmodel: m1\nagent: adder\ntask: line one\nline two');
    assert.equal(deltas.join(''), answer.text + '\n\n', 'onText sees stdout exactly');
    assert.equal(answer.model, 'm1');
  });

  it('request.model wins over the configured model', async () => {
    const model = new CommandChatModel({ argv: node('echo'), model: 'm1' });
    const answer = await model.complete(req({ model: 'm2' }));
    assert.match(answer.text, /^model: m2$/m);
  });

  it('streams stdout chunks as they are written', async () => {
    const model = new CommandChatModel({ argv: node('chunks') });
    const deltas: string[] = [];
    const answer = await model.complete(req({ onText: (d) => deltas.push(d) }));
    assert.equal(answer.text, 'one two three');
    assert.ok(deltas.length >= 2, `expected several chunks, got ${JSON.stringify(deltas)}`);
    assert.equal(deltas.join(''), 'one two three');
  });

  it('reports a non-zero exit with the code and the end of stderr', async () => {
    const model = new CommandChatModel({ argv: node('fail', '3') });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /exited with code 3/);
    assert.match(error.message, /something went badly wrong/);
    assert.ok(error.message.length < 2300, `stderr not cut: ${error.message.length} chars`);
  });

  it('reports a missing program as non-retryable "command not found"', async () => {
    const model = new CommandChatModel({ argv: ['aop-no-such-program-xyz', '--flag'] });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.retryable, false);
    assert.equal(error.message, 'command not found: aop-no-such-program-xyz');
  });

  it('runs in the configured working directory and rejects a missing one', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'aop-cwd-')));
    const model = new CommandChatModel({ argv: node('cwd'), cwd: dir });
    assert.equal((await model.complete(req())).text, dir);
    const missing = new CommandChatModel({ argv: node('cwd'), cwd: path.join(dir, 'nope') });
    const error = await rejection(missing.complete(req()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /working directory of command not found/);
  });

  it('abort kills the process and rejects at once', async () => {
    const model = new CommandChatModel({ argv: node('hang') });
    const controller = new AbortController();
    const { call, pids } = await startAndGetPids(model, controller.signal);
    assert.ok(isAlive(pids[0]));
    controller.abort();
    const error = await rejection(call);
    assert.ok(isAbortError(error), `expected an AbortError, got ${error}`);
    // "at once" (not after the process exits) is shown by the SIGTERM-ignoring process below
    await waitUntil(() => !isAlive(pids[0]), 10_000, 'process gone after SIGTERM');
  });

  it('escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const model = new CommandChatModel({ argv: node('stubborn'), killGraceMs: 3000 });
    const controller = new AbortController();
    const { call, pids } = await startAndGetPids(model, controller.signal);
    controller.abort();
    const error = await rejection(call);
    assert.ok(isAbortError(error), `expected an AbortError, got ${error}`);
    // The call rejected while the process still runs (it ignores SIGTERM; SIGKILL comes after the
    // grace period): abort does not wait for the process to exit.
    assert.ok(isAlive(pids[0]), 'SIGTERM is ignored, so it should still be alive before the grace period');
    await waitUntil(() => !isAlive(pids[0]), 15_000, 'process gone after SIGKILL');
  });

  it('abort also kills grandchildren (process group)', { skip: process.platform === 'win32' }, async () => {
    const model = new CommandChatModel({ argv: node('family'), killGraceMs: 300 });
    const controller = new AbortController();
    const { call, pids } = await startAndGetPids(model, controller.signal);
    assert.equal(pids.length, 2);
    controller.abort();
    await rejection(call);
    await waitUntil(() => pids.every((p) => !isAlive(p)), 2500, 'agent and grandchild gone');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const model = new CommandChatModel({ argv: ['aop-no-such-program-xyz'] });
    assert.ok(isAbortError(await rejection(model.complete(req({ signal: controller.signal })))));
  });

  it('needs a non-empty argv', () => {
    assert.throws(() => new CommandChatModel({ argv: [] }), ModelError);
  });
});
