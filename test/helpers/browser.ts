import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from './spawn.ts';

/** Debian's chromium: browser tests never download a browser of their own. */
export const CHROMIUM = '/usr/bin/chromium';

/** A skip reason for describe.skipIf when the browser is missing, else false. */
export const noBrowser = fs.existsSync(CHROMIUM)
  ? false
  : 'Debian chromium is not installed (apt-get install chromium)';

/** Where browser tests leave their screenshots (git-ignored). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** Headless Chromium with no background traffic (this machine's network is closed). */
export async function launchBrowser(): Promise<Browser> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
