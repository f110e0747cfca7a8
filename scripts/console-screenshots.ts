/**
 * Screenshots of the web console, for a person to look at (not a test): starts a local stack (as the integration
 * tests do: temp data, short emulator jobs), signs in through the PKCE flow as a user with the finance and operators
 * groups, creates a video and waits for it, then saves one PNG per page into a temp directory (or the one given).
 * Usage: npx tsx scripts/console-screenshots.ts [OUTDIR]
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, signInToConsole } from '../test/helpers/browser';
import { startLocalStackProcess } from '../test/helpers/local-stack';

const outdir = process.argv[2] ? resolve(process.argv[2]) : await mkdtemp(join(tmpdir(), 'reelflow-console-shots-'));
await mkdir(outdir, { recursive: true });
const stack = await startLocalStackProcess();
const browser = await launchChromium();
try {
  // A second user with a completed video, so finance's chart has two bars.
  const other = await stack.token('shots-bob');
  const reply = await fetch(`${stack.baseUrl}/v1/videos`, {
    method: 'POST',
    headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'A lighthouse at dawn', seconds: '8', size: '720x1280' }),
  });
  if (reply.status !== 202) throw new Error(`create answered ${reply.status}`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await signInToConsole(page, `${stack.baseUrl}/console/`, 'shots-alice', ['finance', 'operators']);
  await page.fill('input[name=prompt]', 'A red kite over green hills');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.locator('tr[data-status=completed]').first().waitFor({ timeout: 90_000 });
  await page.screenshot({ path: join(outdir, '1-users.png'), fullPage: true });

  await page.getByRole('link', { name: 'Timeline' }).first().click();
  await page.locator('.execution-status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(outdir, '2-timeline.png'), fullPage: true });

  await page.getByRole('link', { name: 'Operators' }).click();
  await page.locator('h3', { hasText: 'Waiting or stuck' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(outdir, '3-operators.png'), fullPage: true });

  await page.getByRole('link', { name: 'Finance' }).click();
  await page.locator('.chart canvas').first().waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'shots-alice' }).click();
  await page.locator('h3', { hasText: 'Ledger of' }).waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle', { timeout: 30_000 });
  await page.screenshot({ path: join(outdir, '4-finance.png'), fullPage: true });
  console.log(`screenshots in ${outdir}`);
} finally {
  await browser.close();
  await stack.stop();
}
