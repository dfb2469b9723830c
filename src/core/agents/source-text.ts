import { LineCounter } from 'yaml';

/** A span in a file as 1-based lines and columns, end exclusive (same shape as AgentDiagnostic). */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Converts character offsets of the whole file into 1-based line/column positions. */
export class SourceText {
  private readonly lines = new LineCounter();

  constructor(readonly text: string) {
    this.lines.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines.addNewLine(i + 1);
  }

  range(start: number, end: number = start): SourceRange {
    const from = this.lines.linePos(Math.max(0, Math.min(start, this.text.length)));
    const to = this.lines.linePos(Math.max(start, Math.min(end, this.text.length)));
    return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
  }

  /** The whole line holding `offset`, without its line break. */
  lineRange(offset: number): SourceRange {
    const start = this.text.lastIndexOf('\n', offset - 1) + 1;
    let end = this.text.indexOf('\n', offset);
    if (end === -1) end = this.text.length;
    if (end > start && this.text[end - 1] === '\r') end--;
    return this.range(start, end);
  }
}
