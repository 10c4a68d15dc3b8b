/**
 * The procurement report as PDF, printed from its own HTML page by a headless Chromium (playwright-core
 * drives the browser the machine already has; none is downloaded). A4, backgrounds kept, the page
 * number in the footer. A missing Chromium is no error: the HTML and JSON stand on their own, and the
 * caller is told which path was tried.
 *
 *   writeReportPdf(html, file, chromium?) -> { written } | { skipped: reason }
 */
import { existsSync } from 'node:fs';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export type PdfResult = { written: string } | { skipped: string };

// Chromium fills the spans by class; the title is the page's <title>, which names the candidate.
const FOOTER = `<div style="font:8px system-ui,sans-serif;color:#555;width:100%;padding:0 12mm;display:flex;justify-content:space-between"><span class="title"></span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

export async function writeReportPdf(html: string, file: string, chromiumPath: string = DEFAULT_CHROMIUM): Promise<PdfResult> {
  if (!existsSync(chromiumPath)) return { skipped: `no Chromium at ${chromiumPath}: PDF not written (give --chromium PATH, or install Chromium)` };
  // Loaded only when a PDF is asked for: the rest of the CLI starts without the browser driver.
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  } catch (err) {
    throw new Error(`Chromium at ${chromiumPath} did not start: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    const page = await browser.newPage();
    // The page is self-contained (no script, no external asset): nothing to wait for beyond its load.
    await page.setContent(html, { waitUntil: 'load' });
    await page.pdf({
      path: file,
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: FOOTER,
      margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    });
    return { written: file };
  } finally {
    await browser.close();
  }
}
