export * from './definition';
export { parseAgentFile, type ParseAgentResult } from './parse';
export { agentId } from './build-agent';
export type { ParseAgentOptions } from './parse-context';
export { AgentCatalog, duplicateNameDiagnostic, type AgentCatalogEvents, type AgentCatalogOptions } from './catalog';
export { DEFAULT_AGENT_EXCLUDE, DEFAULT_AGENT_INCLUDE, sourceKindOf } from './agent-files';
export { findProgram, splitCommandLine } from './command-line';
export type { SourceRange } from './source-text';
export * from './key-docs';
