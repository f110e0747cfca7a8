import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` names another. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The headless browser's executable: playwright-core drives an installed chromium, it never downloads one. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || CANDIDATES.find((candidate) => existsSync(candidate));
  if (!path) {
    throw new Error('no chromium found: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH');
  }
  return path;
}

/** Launches headless chromium (no sandbox: CI and the dev machines run as root, where chromium's sandbox refuses). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
}

/**
 * Signs in to the console at `consoleUrl` through the local issuer's authorization-code + PKCE flow, as a person
 * would: the console's Sign in button, the issuer's form (user id, groups), and back with a code the console
 * exchanges. Resolves once the console shows the signed-in user.
 */
export async function signInToConsole(page: Page, consoleUrl: string, userId: string, groups: string[]): Promise<void> {
  await page.goto(consoleUrl, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Sign in' }).click({ timeout: 30_000 });
  await page.waitForURL(/\/oauth2\/authorize\?/, { timeout: 30_000 });
  await page.fill('input[name=user]', userId, { timeout: 10_000 });
  for (const group of ['finance', 'operators']) {
    await page.setChecked(`input[name=groups][value=${group}]`, groups.includes(group), { timeout: 10_000 });
  }
  await page.getByRole('button', { name: 'Sign in' }).click({ timeout: 10_000 });
  await page.locator('header .who', { hasText: userId }).waitFor({ timeout: 30_000 });
}
