import { isMap, isNode, isScalar, visit, type Document, type Pair } from 'yaml';
import type { Path } from './parse-context';
import type { SimpleFrontMatter, Span } from './simple-front-matter';
import type { SourceRange, SourceText } from './source-text';

/**
 * Where things are written in an agent file's front matter: YAML node offsets turned into file
 * ranges (line, column), for diagnostics that point at the exact key or value.
 */
export class YamlRanges {
  /** The parsed front matter (undefined until it parsed without errors)… */
  doc?: Document.Parsed;
  /** …or, for the simple shape most files have, its entries (simple-front-matter.ts). */
  simple?: SimpleFrontMatter;
  /** Offset of the YAML text in the file. */
  yamlStart = 0;

  constructor(
    private readonly source: SourceText,
    /** The opening `---` line: where file-level problems (missing keys) are reported. */
    public header: SourceRange,
  ) {}

  /** The value node at `path`, or the closest enclosing node that exists, or the header line. */
  pathRange(path: Path): SourceRange {
    if (this.simple) return this.simplePathRange(path);
    for (let n = path.length; n > 0 && this.doc; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range && node.range[1] > node.range[0]) return this.nodeRange(node);
      if (n === 1) return this.keyRange(String(path[0]));
    }
    return this.header;
  }

  keyRange(key: string): SourceRange {
    if (this.simple) {
      const entry = this.simple.get(key);
      return entry ? this.span(entry.keyRange) : this.header;
    }
    const pair = this.pair(key);
    return pair && isNode(pair.key) ? this.nodeRange(pair.key) : this.header;
  }

  /** The same answers as with a document: a list item, else the value, else the key, else the header. */
  private simplePathRange(path: Path): SourceRange {
    const entry = path.length > 0 ? this.simple!.get(String(path[0])) : undefined;
    if (!entry) return this.header;
    const item = path.length > 1 && typeof path[1] === 'number' ? entry.items?.[path[1]] : undefined;
    if (item && item[1] > item[0]) return this.span(item);
    return entry.range[1] > entry.range[0] ? this.span(entry.range) : this.span(entry.keyRange);
  }

  private span([start, end]: Span): SourceRange {
    return this.range(start, end);
  }

  private pair(key: string): Pair | undefined {
    const contents = this.doc?.contents;
    if (!isMap(contents)) return undefined;
    return contents.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  }

  nodeRange(node: unknown): SourceRange {
    const range = isNode(node) ? node.range : undefined;
    return range ? this.range(range[0], range[1]) : this.header;
  }

  /** yaml reports some errors on one character; widen them to the scalar starting there (a duplicate key…). */
  errorRange(doc: Document.Parsed, [start, end]: [number, number]): SourceRange {
    let widened = end;
    visit(doc, {
      Scalar: (_key, node) => {
        if (node.range?.[0] === start && node.range[1] > widened) {
          widened = node.range[1];
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return this.range(start, widened);
  }

  /** Offsets in the front matter text to a file range; trailing white space is not part of it. */
  range(start: number, end: number): SourceRange {
    const text = this.source.text;
    while (end > start + 1 && /\s/.test(text[this.yamlStart + end - 1] ?? '')) end--;
    return this.source.range(this.yamlStart + start, this.yamlStart + end);
  }
}
