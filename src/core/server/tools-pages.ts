import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { preserialized } from './streamable-http/json-chunks';

/**
 * Pages of the cached tools/list array. With no page size every tool comes in one answer (clients
 * that do not follow `nextCursor` — many do not — still see every tool); with a page size, pages
 * of that many tools and an opaque cursor. Each page array is built and serialised once per list
 * version (the list array is rebuilt only when the tools change).
 */
const pagesOf = new WeakMap<readonly Tool[], Map<number, Tool[]>>();

export function toolsPage(all: Tool[], cursor: string | undefined, pageSize: number): { tools: Tool[]; nextCursor?: string } {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  if (offset > all.length) throw new McpError(ErrorCode.InvalidParams, 'invalid cursor: past the end of the tool list (it changed; list again from the start)');
  if (!(pageSize > 0) || (offset === 0 && all.length <= pageSize)) return { tools: cached(all) };
  let pages = pagesOf.get(all);
  if (!pages) pagesOf.set(all, (pages = new Map()));
  let page = pages.get(offset);
  if (!page) pages.set(offset, (page = all.slice(offset, offset + pageSize)));
  const end = offset + page.length;
  return end < all.length ? { tools: cached(page), nextCursor: encodeCursor(end) } : { tools: cached(page) };
}

function cached(tools: Tool[]): Tool[] {
  if (!preserialized.has(tools)) preserialized.set(tools, Buffer.from(JSON.stringify(tools)));
  return tools;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`aop-tools:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^aop-tools:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new McpError(ErrorCode.InvalidParams, 'invalid cursor: use the nextCursor of the previous tools/list answer');
  return Number(m[1]);
}
