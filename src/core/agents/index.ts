export * from './definition';
export { parseAgentFile } from './parse';
export { agentId } from './build-agent';
export { AgentCatalog, type AgentCatalogEvents } from './catalog';
export { sourceKindOf } from './agent-files';
export { findProgram } from './command-line';
export * from './key-docs';
