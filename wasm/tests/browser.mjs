// Shared by the browser test and the benchmark: Debian's Chromium driven by playwright-core.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from '../serve.mjs';
import { wasmDir } from './helpers.mjs';

export const CHROMIUM = process.env.BNN_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable() {
  return fs.existsSync(CHROMIUM);
}

/**
 * Serves the build on 127.0.0.1 (with the COOP/COEP headers unless isolation is false) and
 * launches Chromium; returns { url, browser, close }.
 */
export async function openBrowser({ isolation = true } = {}) {
  const server = await startServer(wasmDir(), 0, '127.0.0.1', { isolation });
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    url: server.url,
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/** Opens a page, collecting console errors and uncaught exceptions into page.problems. */
export async function newPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  await page.goto(url);
  return page;
}
