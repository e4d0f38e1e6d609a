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
  withServerAndBrowser,
  screenshot,
  currentPath,
  expectPath,
  expectLang,
  textOf,
  clickOn,
  firstLine,
  submitAndWait,
} from './support.mjs';

const CASE_WORKER = { username: 'oim.agent', password: 'Demo-CNRM-2024', displayName: 'Mariam Sissoko' };

const running = withServerAndBrowser(before, after);

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
    const context = await running.browser.newContext({
      baseURL: running.server.baseURL,
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
        running.server.logs();
      throw err;
    } finally {
      await context.close().catch(() => {});
    }
  },
);

/** Log in on a fresh page; accept the code of conduct if this is the user's first login. */
async function logIn(page, username) {
  const res = await page.goto('/login');
  assert.equal(res?.status(), 200, `GET /login for ${username}: expected status 200, got ${res?.status()}`);
  await fillLogin(page, username, CASE_WORKER.password);
  await submitAndWait(page, '[data-testid=login-submit]', `login of ${username}`);
  if (currentPath(page) === '/code-of-conduct') {
    await submitAndWait(page, '[data-testid=accept-conduct]', `${username} accepting the code of conduct`);
  }
  await expectPath(page, '/', `after the login of ${username}`);
  // The first test leaves oim.agent in English: these steps read the French interface.
  if ((await page.locator('html').getAttribute('lang')) !== 'fr') {
    await submitAndWait(page, '[data-testid=locale-fr]', `${username} switching the language to French`);
    await expectLang(page, 'fr', `home page of ${username} after choosing French`);
  }
}

/** The value of the option of `select` whose text contains `text`, failing clearly if there is none. */
async function optionValue(page, select, text, why) {
  const option = page.locator(`${select} option`, { hasText: text }).first();
  try {
    await option.waitFor({ state: 'attached', timeout: TIMEOUTS.action });
  } catch (err) {
    throw new Error(`${why}: expected an option containing "${text}" in ${select} on ${page.url()} (${firstLine(err)})`);
  }
  return option.getAttribute('value');
}

/** A date `days` from today, as a date input holds it. */
function isoDay(days = 0) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** A fresh French browser context and page, failing the test on JavaScript errors and 5xx answers. */
async function freshPage(errors) {
  const context = await running.browser.newContext({ baseURL: running.server.baseURL, locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUTS.action);
  page.setDefaultNavigationTimeout(TIMEOUTS.navigation);
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${firstLine(err)}`));
  page.on('response', (res) => {
    if (res.status() >= 500) errors.push(`${res.request().method()} ${res.url()} -> ${res.status()}`);
  });
  return { context, page };
}

test(
  'a returnee is registered, gets a plan approved by a manager and is referred to a partner who accepts',
  { timeout: 8 * 60_000 },
  async () => {
    const errors = [];
    const contexts = [];
    let page;
    const openPage = async () => {
      const fresh = await freshPage(errors);
      contexts.push(fresh.context);
      return fresh.page;
    };
    let step = 'start';
    try {
      // 1. The case worker registers a returnee who arrived a few days ago.
      step = 'oim.agent registers a returnee';
      page = await openPage();
      await logIn(page, 'oim.agent');
      await page.goto('/cases/new');
      await page.locator('#family_name').fill('Keïta');
      await page.locator('#given_names').fill('Boubacar');
      await page.locator('#sex').selectOption('male');
      await page.locator('#date_of_birth').fill('14/05/1994');
      await page.locator('#arrival_date').fill(isoDay(-5));
      await page.locator('#returned_from').fill('DZ');
      await page.locator('#return_type').selectOption('avr');
      await page.locator('#consent_method').selectOption('written');
      await submitAndWait(page, 'form[action="/cases"] button.primary', 'registering the returnee');
      if (await page.locator('[data-testid=possible-matches]').count()) {
        step = 'oim.agent confirms a new person';
        await page.locator('input[name=confirm_new_person]').check();
        await submitAndWait(page, 'form[action="/cases"] button.primary', 'registering the returnee as a new person');
      }
      assert.match(currentPath(page), /^\/cases\/[0-9a-f-]{36}$/, `after registering: expected a case page, got ${page.url()}`);
      const casePath = currentPath(page);
      assert.match(await textOf(page, '[data-testid=case-status]', 'new case'), /Ouvert/, 'a new case is open');
      assert.equal(
        await textOf(page, '[data-testid=plan-timeliness]', 'new case'),
        'Plan attendu (délai d\'un mois en cours)',
        'no plan yet, the month is not over',
      );

      // 2. A plan item: vocational training through ANPE.
      step = 'oim.agent adds a plan item';
      const anpe = await optionValue(page, '#provider_organisation_id', 'ANPE', 'the plan item form');
      await page.locator('#dimension').selectOption('economic');
      await page.locator('#assistance_type').selectOption('vocational_training');
      await page.locator('#level').selectOption('individual');
      await page.locator('#channel').selectOption('referral');
      await page.locator('#provider_organisation_id').selectOption(anpe);
      await page.locator('#description').fill('Formation en mécanique auto');
      await page.locator('#budget_xof').fill('350000');
      await submitAndWait(page, `form[action="${casePath}/plan/items"] button.primary`, 'adding a plan item');
      await expectPath(page, casePath, 'after adding a plan item');
      assert.equal(await textOf(page, '[data-testid=plan-item-status]', 'plan item'), 'Prévue', 'a new item is planned');
      const planText = await textOf(page, '[data-testid=plan]', 'plan section');
      assert.ok(planText.includes('350 000 F CFA'), `the budget in francs CFA, got "${planText}"`);
      assert.equal(await page.locator('[data-testid=approve-plan]').count(), 0, 'the author may not approve the plan');

      step = 'oim.agent records the agreement date';
      await page.locator('#agreed_on').fill(isoDay(0));
      await submitAndWait(page, `form[action="${casePath}/plan/agree"] button`, 'recording the agreement date');
      assert.equal(await textOf(page, '[data-testid=plan-timeliness]', 'plan agreed'), 'Plan convenu dans le mois');

      // 3. The returnee's consent to share with ANPE.
      step = 'oim.agent records a referral_sharing consent for ANPE';
      await page.locator('#purpose').selectOption('referral_sharing');
      await page.locator('#partner_organisation_id').selectOption(anpe);
      await page.locator('#method').selectOption('written');
      await submitAndWait(page, `form[action="${casePath}/consents"] button.primary`, 'recording the consent');
      await expectPath(page, casePath, 'after recording the consent');

      // 4. The referral to ANPE for the plan item.
      step = 'oim.agent refers the returnee to ANPE for the plan item';
      await page.locator('#to_organisation_id').selectOption(anpe);
      await page.locator('#service').selectOption('vocational_training');
      const itemOption = await optionValue(page, '#plan_item_id', 'Formation en mécanique auto', 'the referral form');
      await page.locator('#plan_item_id').selectOption(itemOption);
      await submitAndWait(page, `form[action="${casePath}/referrals"] button.primary`, 'sending the referral');
      await expectPath(page, casePath, 'after sending the referral');
      const row = await textOf(page, '[data-testid=referral-row]', 'referrals of the case');
      assert.ok(row.includes('Envoyée') && row.includes('ANPE'), `the referral is sent to ANPE, got "${row}"`);
      const action = await page.locator('[data-testid=referral-row] form[action^="/referrals/"]').first().getAttribute('action');
      const referralPath = action.replace(/\/action$/, '');

      // 5. The manager approves the plan, found in "Mon travail".
      step = 'oim.gestion approves the plan';
      page = await openPage();
      await logIn(page, 'oim.gestion');
      await page.goto('/work');
      await clickOn(page, `[data-testid=work-plans] a[href^="${casePath}"]`, 'the plan in the manager\'s work');
      await page.waitForLoadState('load');
      await expectPath(page, casePath, 'opening the plan to approve');
      await submitAndWait(page, '[data-testid=approve-plan]', 'approving the plan');
      await expectPath(page, casePath, 'after approving the plan');
      assert.equal(await textOf(page, '[data-testid=plan-item-status]', 'approved plan'), 'Approuvée');
      assert.match(await textOf(page, '[data-testid=plan-approval]', 'approved plan'), /^Approuvé par /);

      // 6. ANPE's focal point accepts the referral.
      step = 'anpe.focal accepts the referral';
      page = await openPage();
      await logIn(page, 'anpe.focal');
      await page.goto('/referrals');
      await clickOn(page, `a[href="${referralPath}"]`, 'the referral among those received');
      await page.waitForLoadState('load');
      await expectPath(page, referralPath, 'opening the referral');
      assert.equal(await textOf(page, '[data-testid=referral-status]', 'referral'), 'Statut : Envoyée');
      await submitAndWait(page, 'form:has(input[name=action][value=accept]) button', 'accepting the referral');
      await expectPath(page, referralPath, 'after accepting the referral');
      assert.equal(await textOf(page, '[data-testid=referral-status]', 'accepted referral'), 'Statut : Acceptée');

      step = 'no errors along the way';
      assert.deepEqual(errors, [], 'expected no uncaught JavaScript errors nor HTTP 5xx responses');
    } catch (err) {
      const shot = page ? await screenshot(page, 'plan-failure').catch(() => null) : null;
      const body = page
        ? await page
            .locator('body')
            .innerText({ timeout: 5_000 })
            .then((t) => t.replace(/\s+/g, ' ').trim().slice(0, 800))
            .catch(() => '(unreadable)')
        : '(no page)';
      err.message =
        `[step: ${step}] ${err.message}\npage: ${page?.url()}\npage text: ${body}\n` +
        (shot ? `screenshot: ${shot}\n` : '') +
        (errors.length ? `errors: ${errors.join('; ')}\n` : '') +
        running.server.logs();
      throw err;
    } finally {
      for (const context of contexts) await context.close().catch(() => {});
    }
  },
);
