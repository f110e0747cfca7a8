import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy } from '../../../console/content-security-policy';
import { LOCAL_CLIENT_ID } from '../../../local/token/issuer';
import { callApi, waitForTerminalVideo } from '../../helpers/api';
import { launchChromium, signInToConsole } from '../../helpers/browser';
import { useLocalStack } from '../../helpers/local-stack';
import { uniquePrompt, uniqueUser } from '../api/support';

// The web console in headless chromium against the local stack: the sign-in is the authorization-code + PKCE flow
// of the local issuer (the same code path as Cognito's managed login), then what a person does on each page.
const stack = useLocalStack();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Collects what the browser reports the page's Content-Security-Policy refused (chromium logs each as an error). */
function cspViolations(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  return refused;
}

interface CostReport {
  month: string;
  data: Array<{ user_id: string; charged_micros: number }>;
  totals: { charged_micros: number };
}

describe('the web console', () => {
  it('signs in with PKCE, follows a created video to completed and its timeline, and shows the month as /v1/admin/costs does', async () => {
    // Prepare: another user's completed video, so the month has at least two users of this test.
    const otherUser = uniqueUser('console-other');
    const otherToken = await stack.token(otherUser);
    const created = await callApi(stack, '/v1/videos', {
      method: 'POST',
      token: otherToken,
      json: { prompt: uniquePrompt('console-other'), seconds: '4', size: '720x1280' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect((await waitForTerminalVideo(stack, otherToken, created.body.id)).status).toBe('completed');

    const user = uniqueUser('console');
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const refused = cspViolations(page);
    try {
      // Act: sign in, then create a video on the Users page.
      await signInToConsole(page, `${stack.baseUrl}/console/`, user, ['finance', 'operators']);
      const prompt = uniquePrompt('console');
      await page.fill('input[name=prompt]', prompt, { timeout: 10_000 });
      // The model picker offers the catalogue's models (GET /v1/models), the default first.
      const picker = page.locator('select[name=model]');
      await picker.locator('option[value="sora-2-pro"]').waitFor({ state: 'attached', timeout: 10_000 });
      const catalogue = await callApi(stack, '/v1/models', { token: await stack.token(user) });
      const offered = await picker
        .locator('option')
        .evaluateAll((options) => options.map((option) => option.getAttribute('value')));
      expect(offered).toEqual(catalogue.body.data.map((model: { id: string }) => model.id));
      expect(await picker.inputValue()).toBe(offered[0]);
      await picker.selectOption('sora-2-pro', { timeout: 10_000 });
      await page.getByRole('button', { name: 'Create' }).click({ timeout: 10_000 });
      const row = page.locator('tr[data-video-id]', { hasText: prompt });
      await page.locator('tr[data-status=completed]', { hasText: prompt }).waitFor({ timeout: 60_000 });
      const videoId = await row.getAttribute('data-video-id', { timeout: 10_000 });
      expect(videoId).toMatch(/^vid_/);
      // Made with the model picked, at its default length and size, priced as the catalogue says.
      const made = await callApi(stack, `/v1/videos/${videoId}`, { token: await stack.token(user) });
      expect(made.body).toMatchObject({
        model: 'sora-2-pro',
        seconds: '4',
        size: '720x1280',
        provider: 'openai',
        cost: { estimated_micros: 1_200_000, charged_micros: 1_200_000 },
      });
      // Its thumbnail: fetched with the token, then from the presigned URL the 302 names (the bucket's CORS rule).
      const thumbnail = row.locator('img.thumb');
      await thumbnail.waitFor({ timeout: 30_000 });
      await expect
        .poll(
          () =>
            thumbnail.evaluate(
              (image) => (image as unknown as { complete: boolean; naturalWidth: number }).naturalWidth,
            ),
          {
            timeout: 10_000,
          },
        )
        .toBeGreaterThan(0);

      // Assess: its execution as a timeline, one bar per state visit, as the operators API lists them.
      await row.getByRole('link', { name: 'Timeline' }).click({ timeout: 10_000 });
      await page.locator('.execution-status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 30_000 });
      const operatorToken = await stack.token(uniqueUser('console-ops'), ['operators']);
      const execution = await callApi(stack, `/v1/admin/videos/${videoId}/execution`, { token: operatorToken });
      expect(execution.status).toBe(200);
      const shown = await page
        .locator('.timeline .state')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-state')));
      expect(shown).toEqual(execution.body.states.map((state: { name: string }) => state.name));
      expect(shown).toEqual(expect.arrayContaining(['CreateGenerationJob', 'StoreVideoInS3', 'RecordCompletion']));
      expect(await page.locator('.timeline .state .bar').count()).toBe(shown.length);

      // Finance: the chart and the table show exactly the report the page received from /v1/admin/costs.
      const costsReply = page.waitForResponse(
        (response) => /\/v1\/admin\/costs\?month=\d{4}-\d{2}$/.test(response.url()),
        { timeout: 30_000 },
      );
      await page.getByRole('link', { name: 'Finance' }).click({ timeout: 10_000 });
      const report = (await (await costsReply).json()) as CostReport;
      const users = report.data.map((row) => row.user_id);
      expect(users).toEqual(expect.arrayContaining([user, otherUser]));
      const chart = page.locator('.chart[data-bars]');
      await chart.locator('canvas').first().waitFor({ timeout: 30_000 });
      expect(await chart.getAttribute('data-bars')).toBe(String(report.data.length));
      const label = (await chart.getAttribute('aria-label')) ?? '';
      for (const row of report.data)
        expect(label).toContain(`${row.user_id}: $${(row.charged_micros / 1e6).toFixed(6)}`);
      const tableUsers = await page
        .locator('table.costs tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-user-id')));
      expect(tableUsers).toEqual(users);
      expect(await page.locator('table.costs tfoot tr').getAttribute('data-charged-micros')).toBe(
        String(report.totals.charged_micros),
      );
      expect(report.totals.charged_micros).toBe(report.data.reduce((sum, row) => sum + row.charged_micros, 0));

      // The CSV download: the same month, a row per user of the report, and its total.
      const downloading = page.waitForEvent('download', { timeout: 30_000 });
      await page.getByRole('button', { name: 'Download CSV' }).click({ timeout: 10_000 });
      const download = await downloading;
      expect(download.suggestedFilename()).toBe(`reelflow-costs-${report.month}.csv`);
      const csv = (await readFile(await download.path(), 'utf8')).trim().split(/\r?\n/);
      expect(csv[0]).toMatch(/^user_id,month,videos,seconds,charged_usd/);
      expect(csv.some((line) => line.startsWith(`${user},${report.month},1,4,`))).toBe(true);
      expect(csv.at(-1)).toMatch(new RegExp(`^TOTAL,${report.month},`));
      // All of it under the console's Content-Security-Policy, which refused nothing.
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('serves the console with its Content-Security-Policy, the one CloudFront sends', async () => {
    // Act
    const reply = await fetch(`${stack.baseUrl}/console/`);

    // Assess: the shared definition, with the local issuer and the local S3 endpoint as the other origins.
    expect(reply.status).toBe(200);
    const csp = reply.headers.get('content-security-policy');
    expect(csp).toBe(
      consoleContentSecurityPolicy({ identityProvider: stack.baseUrl, media: new URL(stack.s3Endpoint).origin }),
    );
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('returns to the sign-in form after sign-out, so the next "Sign in" does not sign the previous person back in', async () => {
    // Prepare: someone signed in on this browser.
    const user = uniqueUser('console-signout');
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await signInToConsole(page, `${stack.baseUrl}/console/`, user, []);

      const logouts: URL[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/logout') logouts.push(url);
      });

      // Act: sign out, then press Sign in again on the same browser; wait for the form or a signed-in console.
      await page.getByRole('button', { name: 'Sign out' }).click({ timeout: 10_000 });
      await page.getByRole('button', { name: 'Sign in' }).click({ timeout: 30_000 });
      await page.locator('input[name=user], header .who').first().waitFor({ timeout: 30_000 });

      // Assess: the issuer asks who is signing in, and sign-out went through its logout endpoint to the console.
      expect(await page.locator('header .who').count()).toBe(0);
      expect(await page.locator('input[name=user]').count()).toBe(1);
      expect(logouts.map((url) => Object.fromEntries(url.searchParams))).toEqual([
        { client_id: LOCAL_CLIENT_ID, logout_uri: `${stack.baseUrl}/console/` },
      ]);
    } finally {
      await context.close();
    }
  });
});
