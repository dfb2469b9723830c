export * from './store';
export * from './progress';
export * from './mcp';
