// Real-browser test: a demo case worker logs in (French), accepts the data protection
// code of conduct, switches the interface to English, and logs out.
//
// Run with ./scripts/test.sh, or by hand:
//   cargo build -p cnrm && (cd tests/browser && npm ci && npm test)
// Environment:
//   CNRM_BIN             cnrm binary (default: <repo>/target/debug/cnrm; relative paths are from the repo root)
//   CNRM_SCREENSHOT_DIR  if set, screenshots of the home page (and of any failure) are written there
//   CNRM_CHROMIUM        chromium binary (default: /usr/bin/chromium)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  TIMEOUTS,
  startServer,
  launchBrowser,
  screenshot,
  currentPath,
  expectPath,
  expectLang,
  textOf,
  clickOn,
  firstLine,
} from './support.mjs';

const CASE_WORKER = { username: 'oim.agent', password: 'Demo-CNRM-2024', displayName: 'Mariam Sissoko' };

let server;
let browser;

before(
  async () => {
    server = await startServer();
    try {
      browser = await launchBrowser();
    } catch (err) {
      await server.stop();
      throw err;
    }
  },
  { timeout: TIMEOUTS.serverStart + TIMEOUTS.browserLaunch + 30_000 },
);

after(
  async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  },
  { timeout: 30_000 },
);

/** Click a submit button and wait until the resulting document is loaded (whatever redirects happen). */
async function submitAndWait(page, selector, why) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
    timeout: TIMEOUTS.navigation,
  });
  await clickOn(page, selector, why);
  try {
    await navigated;
  } catch (err) {
    throw new Error(`${why}: expected clicking ${selector} to load a new page, but none came (${firstLine(err)})`);
  }
  await page.waitForLoadState('load', { timeout: TIMEOUTS.navigation });
}

async function fillLogin(page, username, password) {
  for (const [selector, value] of [
    ['#username', username],
    ['#password', password],
  ]) {
    const input = page.locator(selector);
    try {
      await input.waitFor({ state: 'visible', timeout: TIMEOUTS.action });
    } catch (err) {
      throw new Error(`login page: expected a visible input ${selector} on ${page.url()} (${firstLine(err)})`);
    }
    await input.fill(value);
  }
}

test(
  'a case worker logs in in French, switches to English, logs out',
  { timeout: 5 * 60_000 },
  async () => {
    // A browser in Mali: French. The interface must be French before any choice is made.
    const context = await browser.newContext({
      baseURL: server.baseURL,
      locale: 'fr-FR',
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUTS.action);
    page.setDefaultNavigationTimeout(TIMEOUTS.navigation);

    // Things that must never happen on any page: uncaught JavaScript errors, server errors.
    const pageErrors = [];
    const serverErrors = [];
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${firstLine(err)}`));
    page.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.request().method()} ${res.url()} -> ${res.status()}`);
    });

    let step = 'start';
    try {
      // 1. The login page, in French.
      step = 'open /login';
      const res = await page.goto('/login');
      assert.equal(res?.status(), 200, `GET /login: expected status 200, got ${res?.status()}`);
      await expectLang(page, 'fr', 'login page before any language choice');
      assert.equal(
        await page.locator('[role=alert]').count(),
        0,
        'fresh login page: expected no [role=alert] element before any attempt',
      );

      // 2. A wrong password: an alert, still on /login.
      step = 'log in with a wrong password';
      await fillLogin(page, CASE_WORKER.username, 'not-the-password');
      await submitAndWait(page, '[data-testid=login-submit]', 'login with a wrong password');
      assert.equal(
        currentPath(page),
        '/login',
        `login with a wrong password: expected to stay on /login, got ${page.url()}`,
      );
      try {
        await page.locator('[role=alert]').first().waitFor({ state: 'visible', timeout: TIMEOUTS.action });
      } catch {
        assert.fail(`login with a wrong password: expected a visible [role=alert] on ${page.url()}, found none`);
      }
      await expectLang(page, 'fr', 'login page after a failed attempt');

      // 3. The right password: first the code of conduct, then the home page.
      step = 'log in with the right password';
      await fillLogin(page, CASE_WORKER.username, CASE_WORKER.password);
      await submitAndWait(page, '[data-testid=login-submit]', 'login with the demo case worker');
      await expectPath(
        page,
        '/code-of-conduct',
        'after the first login of a user who has not accepted the code of conduct',
      );

      step = 'accept the code of conduct';
      await submitAndWait(page, '[data-testid=accept-conduct]', 'accepting the code of conduct');
      await expectPath(page, '/', 'after accepting the code of conduct');

      // 4. The home page, in French.
      step = 'home page in French';
      await expectLang(page, 'fr', 'home page after login');
      assert.equal(await textOf(page, 'h1', 'home page'), 'Accueil', 'home page in French: expected <h1> "Accueil"');
      const menu = await textOf(page, '[data-testid=user-menu]', 'home page');
      assert.ok(
        menu.includes(CASE_WORKER.displayName),
        `home page: expected [data-testid=user-menu] to contain "${CASE_WORKER.displayName}", got "${menu}"`,
      );
      await screenshot(page, 'home-fr');

      // 5. Switch to English: the same page comes back in English.
      step = 'switch to English';
      await submitAndWait(page, '[data-testid=locale-en]', 'switching the language to English');
      await expectPath(page, '/', 'after switching the language on the home page (expected the same page back)');
      await expectLang(page, 'en', 'home page after switching to English');
      assert.equal(await textOf(page, 'h1', 'home page'), 'Home', 'home page in English: expected <h1> "Home"');

      // The choice is remembered.
      step = 'English is remembered';
      await page.goto('/');
      await expectPath(page, '/', 'opening / again while logged in');
      await expectLang(page, 'en', 'home page opened again after choosing English');
      assert.equal(
        await textOf(page, 'h1', 'home page'),
        'Home',
        'home page opened again after choosing English: expected <h1> "Home"',
      );
      await screenshot(page, 'home-en');

      // 6. Log out: back on the login page (still in English), and the session is gone.
      step = 'log out';
      await submitAndWait(page, '[data-testid=logout]', 'logging out');
      await expectPath(page, '/login', 'after logging out');
      await expectLang(page, 'en', 'login page after logging out (the language choice outlives the session)');

      step = 'session is gone';
      await page.goto('/');
      await page.waitForLoadState('load');
      assert.equal(
        currentPath(page),
        '/login',
        `after logging out, opening / must send to /login (session gone), but the page is at ${page.url()}`,
      );

      step = 'no errors along the way';
      assert.deepEqual(pageErrors, [], 'expected no uncaught JavaScript errors in the pages');
      assert.deepEqual(serverErrors, [], 'expected no HTTP 5xx responses');
    } catch (err) {
      const shot = await screenshot(page, 'failure').catch(() => null);
      const body = await page
        .locator('body')
        .innerText({ timeout: 5_000 })
        .then((t) => t.replace(/\s+/g, ' ').trim().slice(0, 600))
        .catch(() => '(unreadable)');
      err.message =
        `[step: ${step}] ${err.message}\n` +
        `page: ${page.url()}\npage text: ${body}\n` +
        (shot ? `screenshot: ${shot}\n` : '') +
        (pageErrors.length ? `JavaScript errors: ${pageErrors.join('; ')}\n` : '') +
        (serverErrors.length ? `server errors: ${serverErrors.join('; ')}\n` : '') +
        server.logs();
      throw err;
    } finally {
      await context.close().catch(() => {});
    }
  },
);
