import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Splits a command line into argv like a POSIX shell would for plain words and quotes:
 * whitespace separates words, '…' is literal, "…" allows \" and \\ escapes, \ escapes outside quotes.
 * No expansion of variables, globs or operators. Throws on an unclosed quote.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error('unclosed single quote');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error('unclosed double quote');
      inWord = true;
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Where `program` of a `command` agent would be found, the way spawn (without a shell) finds it:
 * a path (with a separator) relative to `cwd` (the agent file's folder), else a search of PATH
 * (with PATHEXT on Windows). Undefined when it is not there.
 */
export function findProgram(program: string, opts: { cwd: string; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform }): string | undefined {
  const env = opts.env ?? process.env;
  const windows = (opts.platform ?? process.platform) === 'win32';
  const extensions = windows ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  const candidates = (base: string) => extensions.map((ext) => base + ext);
  if (program.includes('/') || (windows && program.includes('\\'))) {
    // A path is taken as written: existing is enough (a missing execute bit is spawn's error to tell).
    return candidates(path.resolve(opts.cwd, program)).find((f) => isRunnable(f, true));
  }
  const pathVar = env.PATH ?? env.Path ?? '';
  for (const dir of pathVar.split(windows ? ';' : path.delimiter)) {
    if (!dir) continue;
    const found = candidates(path.join(dir, program)).find((f) => isRunnable(f, windows));
    if (found) return found;
  }
  return undefined;
}

/** A file, executable unless `anyFile` (Windows has no execute bit). */
function isRunnable(file: string, anyFile: boolean): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (!anyFile) accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
