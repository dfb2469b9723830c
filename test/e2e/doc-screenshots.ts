/**
 * The README's screenshots come from the e2e run, so they cannot go stale: every screenshot an
 * e2e test takes (`vs.screenshot('name')`, harness `screenshot()`) whose name the README shows as
 * `docs/screenshots/<name>.png` is copied there as well. test/docs/readme-screenshots.test.ts
 * checks that each image the README shows has exactly one e2e test taking it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const DOC_SCREENSHOT_DIR = path.join(ROOT, 'docs', 'screenshots');

let shown: Set<string> | undefined;

/** Names of the screenshots the README shows (`docs/screenshots/<name>.png`). */
export function readmeScreenshots(): Set<string> {
  if (!shown) {
    const readme = fs.existsSync(path.join(ROOT, 'README.md')) ? fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8') : '';
    shown = new Set([...readme.matchAll(/\]\(docs\/screenshots\/([\w.-]+)\.png\)/g)].map((m) => m[1]));
  }
  return shown;
}

/** Copies a screenshot the README shows into docs/screenshots; returns the copy's path, if any. */
export async function publishReadmeScreenshot(file: string, name: string): Promise<string | undefined> {
  if (!readmeScreenshots().has(name)) return undefined;
  const doc = path.join(DOC_SCREENSHOT_DIR, `${name}.png`);
  await fs.promises.mkdir(DOC_SCREENSHOT_DIR, { recursive: true });
  await fs.promises.copyFile(file, doc);
  return doc;
}
