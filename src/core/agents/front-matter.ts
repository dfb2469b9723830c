/** Where the YAML front matter and the Markdown body of an agent file are. Offsets index the whole file. */
export type FrontMatterSplit =
  | { status: 'ok'; openStart: number; yamlStart: number; yamlEnd: number; closeStart: number; bodyStart: number }
  | { status: 'missing' }
  | { status: 'unclosed'; openStart: number };

const OPEN = /^---[ \t]*$/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/;

/** Finds front matter: a `---` first line (after an optional BOM) up to the next `---` or `...` line. */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const openStart = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const firstEnd = lineEnd(text, openStart);
  if (!OPEN.test(stripCr(text.slice(openStart, firstEnd)))) return { status: 'missing' };
  const yamlStart = nextLine(text, firstEnd);
  for (let start = yamlStart; start < text.length; ) {
    const end = lineEnd(text, start);
    if (CLOSE.test(stripCr(text.slice(start, end)))) {
      return { status: 'ok', openStart, yamlStart, yamlEnd: start, closeStart: start, bodyStart: nextLine(text, end) };
    }
    start = nextLine(text, end);
  }
  return { status: 'unclosed', openStart };
}

function lineEnd(text: string, start: number): number {
  const i = text.indexOf('\n', start);
  return i === -1 ? text.length : i;
}

function nextLine(text: string, end: number): number {
  return Math.min(text.length, end + 1);
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
