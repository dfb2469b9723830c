/**
 * The README's screenshots come from the e2e run, so they cannot go stale: `docScreenshot(page,
 * 'invoke-result')` writes docs/screenshots/invoke-result.png (and the usual copy under
 * test/e2e/screenshots). test/docs/screenshots.test.ts checks that every image the README shows
 * has such a call.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { screenshot, type Page } from './harness';

export const DOC_SCREENSHOT_DIR = path.resolve(__dirname, '../../docs/screenshots');

export async function docScreenshot(page: Page, name: string): Promise<string> {
  const file = await screenshot(page, name);
  await fsp.mkdir(DOC_SCREENSHOT_DIR, { recursive: true });
  const doc = path.join(DOC_SCREENSHOT_DIR, `${name}.png`);
  await fsp.copyFile(file, doc);
  return doc;
}
