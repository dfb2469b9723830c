import type { AgentCatalog } from '../agents/catalog';
import type { AgentDefinition } from '../agents/definition';
import type { AopServer } from './aop-server';

/** Keeps a server's agent tools in step with a catalog; returns a function that unbinds. */
export function bindCatalog(server: AopServer, catalog: AgentCatalog): () => void {
  server.setAgents(catalog.agents());
  const upsert = (agent: AgentDefinition) => void server.tryUpsertAgent(agent);
  const changed = (agent: AgentDefinition, previous?: AgentDefinition) => {
    if (previous && previous.name !== agent.name) server.removeAgent(previous.name);
    server.tryUpsertAgent(agent);
  };
  const removed = (agent: AgentDefinition) => server.removeAgent(agent.name);
  catalog.on('added', upsert);
  catalog.on('changed', changed);
  catalog.on('removed', removed);
  return () => {
    catalog.off('added', upsert);
    catalog.off('changed', changed);
    catalog.off('removed', removed);
  };
}
