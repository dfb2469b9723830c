import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AgentCatalog, AgentCatalogEvents } from '../../src/core/agents';

export const FIXTURE_WORKSPACE = path.join(__dirname, '..', 'fixtures', 'agents', 'workspace');

/** A fresh temp folder, optionally a copy of the fixture workspace; remove it with `cleanup`. */
export async function tempWorkspace(copyFixture = false): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aop-agents-'));
  if (copyFixture) await cp(FIXTURE_WORKSPACE, dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function agentFile(name: string, description = `Agent ${name}.`, extra = ''): string {
  return `---\nname: ${name}\ndescription: ${description}\n${extra}---\nYou are ${name}.\n`;
}

type EventName = keyof AgentCatalogEvents;

/** Resolves with the arguments of the next `event` that passes `accept`; rejects after `ms`. */
export function nextEvent<K extends EventName>(
  catalog: AgentCatalog,
  event: K,
  accept: (...args: AgentCatalogEvents[K]) => boolean = () => true,
  ms = 4000,
): Promise<AgentCatalogEvents[K]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: AgentCatalogEvents[K]) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      (catalog.off as (e: string, l: (...a: unknown[]) => void) => void)(event, listener as never);
      resolve(args);
    };
    const timer = setTimeout(() => {
      (catalog.off as (e: string, l: (...a: unknown[]) => void) => void)(event, listener as never);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    (catalog.on as (e: string, l: (...a: unknown[]) => void) => void)(event, listener as never);
  });
}

/** Records every event of a catalog in order, as `event:name` strings (or `event:file` for diagnostics). */
export function recordEvents(catalog: AgentCatalog): string[] {
  const log: string[] = [];
  catalog.on('added', (a) => log.push(`added:${a.name}`));
  catalog.on('changed', (a) => log.push(`changed:${a.name}`));
  catalog.on('removed', (a) => log.push(`removed:${a.name}`));
  catalog.on('diagnostics', (file, list) => log.push(`diagnostics:${path.basename(file)}:${list.map((d) => d.code).join(',')}`));
  catalog.on('updated', () => log.push('updated'));
  return log;
}
