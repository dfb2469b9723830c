import type { z } from 'zod';
import { agentFrontMatterSchema } from './definition';

type FrontMatterKey = keyof typeof agentFrontMatterSchema.shape;

const KEYS = Object.keys(agentFrontMatterSchema.shape) as FrontMatterKey[];
/** Keys every agent file must have (their schema refuses `undefined`). */
const REQUIRED = KEYS.filter((k) => !agentFrontMatterSchema.shape[k].safeParse(undefined).success);
/** Distinct key sets kept; past this (a folder of very varied files) the whole schema is used. */
const MAX_KEY_SETS = 256;
const byKeySet = new Map<string, z.ZodType>();

/**
 * The front-matter schema narrowed to the keys a file writes (plus the required ones): the same
 * checks, messages and result as the whole schema for that input, without walking the twenty-odd
 * keys it does not write — a large share of the parse for folders of thousands of small files.
 * `input` holds only schema keys (the parser drops and reports the others first). Cached by the
 * keys as written (in order): a folder's files share a few such lists.
 * `test/agents/key-set-schema.test.ts` holds it to the whole schema.
 */
export function frontMatterSchemaFor(input: Record<string, unknown>): z.ZodType {
  const keys = Object.keys(input).join(',');
  let schema = byKeySet.get(keys);
  if (!schema) {
    if (byKeySet.size >= MAX_KEY_SETS) return agentFrontMatterSchema;
    // in the schema's order, so that issues come in the same order
    const mask: Partial<Record<FrontMatterKey, true>> = {};
    for (const k of KEYS) if (REQUIRED.includes(k) || k in input) mask[k] = true;
    schema = agentFrontMatterSchema.pick(mask);
    byKeySet.set(keys, schema);
  }
  return schema;
}
