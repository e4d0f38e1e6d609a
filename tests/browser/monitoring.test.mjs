// Real-browser test of issue 6: a case worker fills a Reintegration Sustainability Survey for one of
// their cases (the form shows and hides questions as answers are given) and sees its scores with the
// provisional-weights notice; the secretariat opens the national dashboard (charts and the map); a
// visitor who is not logged in reads the public page.
//
// Run with ./scripts/test.sh, or by hand:
//   cargo build -p cnrm && (cd tests/browser && npm ci && npm test)
// Environment: see login.test.mjs (CNRM_BIN, CNRM_SCREENSHOT_DIR, CNRM_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  withServerAndBrowser,
  screenshot,
  currentPath,
  expectPath,
  submitAndWait,
  logInFresh,
} from './support.mjs';

const PASSWORD = 'Demo-CNRM-2024';

const running = withServerAndBrowser(before, after);

async function failWithContext(page, step, err) {
  const shot = await screenshot(page, 'monitoring-failure').catch(() => null);
  const body = await page.locator('body').innerText({ timeout: 5_000 }).catch(() => '(no body)');
  throw new Error(`step "${step}" failed at ${page.url()}: ${err.message}\n${shot ? `screenshot: ${shot}\n` : ''}--- page text ---\n${body.slice(0, 3000)}`);
}

/**
 * Answers every visible question of the survey form: the first option of each choice, 1 for numbers,
 * today for dates.
 * Answers may reveal further questions (relevance), so it goes round until nothing visible is left
 * unanswered.
 */
async function answerVisibleQuestions(page) {
  for (let round = 0; round < 10; round += 1) {
    let answered = 0;
    const groups = page.locator('form[data-survey] fieldset.group[data-item]');
    for (let i = 0; i < (await groups.count()); i += 1) {
      const group = groups.nth(i);
      if (!(await group.isVisible())) continue;
      const inputs = group.locator('input[type=radio], input[type=checkbox]');
      if ((await inputs.count()) === 0) continue;
      if ((await group.locator('input:checked').count()) > 0) continue;
      await inputs.first().check();
      answered += 1;
    }
    const today = new Date().toISOString().slice(0, 10);
    for (const [type, value] of [['number', '1'], ['date', today]]) {
      const inputs = page.locator(`form[data-survey] .field[data-item] input[type=${type}]`);
      for (let i = 0; i < (await inputs.count()); i += 1) {
        const input = inputs.nth(i);
        if ((await input.isVisible()) && (await input.inputValue()) === '') {
          await input.fill(value);
          answered += 1;
        }
      }
    }
    if (answered === 0) return;
  }
}

test('a case worker fills an RSS and sees its scores; the dashboard and the public page show the figures', { timeout: 8 * 60_000 }, async () => {
  // 1. The case worker opens one of their cases and its surveys tab.
  const agent = await logInFresh(running.browser, running.server.baseURL, 'oim.agent', PASSWORD);
  let step = 'open a case of the case worker';
  let casePath;
  try {
    await agent.page.goto('/cases');
    await submitAndWait(agent.page, 'table tbody tr:first-child a[href^="/cases/"]', 'the first case of the list');
    casePath = currentPath(agent.page);
    assert.match(casePath, /^\/cases\/[0-9a-f-]{36}$/, `a case page, not ${casePath}`);

    step = 'open the survey form';
    await agent.page.goto(`${casePath}/surveys`);
    const offered = async (kind) => agent.page.locator(`[data-testid=survey-new] a[href*="kind=${kind}"]`).count();
    const kind = (await offered('baseline')) > 0 ? 'baseline' : 'follow_up';
    assert.ok((await offered(kind)) > 0, 'the case worker is offered a sustainability survey');
    await submitAndWait(agent.page, `[data-testid=survey-new] a[href*="kind=${kind}"]`, `a new sustainability survey (${kind})`);
    assert.ok(currentPath(agent.page).startsWith(`${casePath}/surveys/new`), 'the survey form opened');

    step = 'relevance hides questions until they apply';
    const hiddenAtFirst = await agent.page.locator('form[data-survey] [data-item][hidden]').count();
    assert.ok(hiddenAtFirst > 0, 'some questions only show once an earlier answer makes them relevant');

    step = 'answer and submit';
    const today = new Date().toISOString().slice(0, 10);
    await agent.page.locator('#answered_on').fill(today);
    await answerVisibleQuestions(agent.page);
    await submitAndWait(agent.page, 'form[data-survey] button.primary', 'saving the survey');
    await expectPath(agent.page, `${casePath}/surveys`, 'after saving the survey');

    step = 'the scores are shown with the provisional-weights notice';
    const rows = agent.page.locator('[data-testid=survey-row]');
    assert.ok((await rows.count()) >= 1, 'the survey is listed');
    const composite = (await rows.last().locator('strong').innerText()).trim();
    assert.match(composite, /^\d+[.,]\d+$/, `a composite score on 0–1, not "${composite}"`);
    assert.ok(await agent.page.locator('[data-testid=provisional-weights]').isVisible(), 'equal weights are said to be provisional');
    await screenshot(agent.page, 'monitoring-survey');
    assert.deepEqual(agent.errors, [], 'no page error nor server error');
  } catch (err) {
    await failWithContext(agent.page, step, err);
  } finally {
    await agent.context.close();
  }

  // 2. The secretariat opens the national dashboard.
  const sec = await logInFresh(running.browser, running.server.baseURL, 'secretariat', PASSWORD);
  step = 'open the dashboard';
  try {
    await submitAndWait(sec.page, 'nav a[href="/dashboard"]', 'the navigation entry of the dashboard');
    await expectPath(sec.page, '/dashboard', 'after choosing the dashboard');
    assert.ok(await sec.page.locator('[data-testid=dashboard-figures]').isVisible(), 'headline figures');
    assert.ok((await sec.page.locator('[data-testid=dashboard-charts] svg').count()) > 0, 'charts drawn as SVG');
    const regions = sec.page.locator('[data-testid=dashboard-map] svg a');
    assert.ok((await regions.count()) >= 8, 'the map of the regions');

    step = 'click a region on the map';
    await submitAndWait(sec.page, '[data-testid=dashboard-map] svg a[href*="ML01"]', 'the Kayes region on the map');
    assert.ok(sec.page.url().includes('ML01'), `the dashboard is filtered on Kayes (${sec.page.url()})`);
    await screenshot(sec.page, 'monitoring-dashboard');
    assert.deepEqual(sec.errors, [], 'no page error nor server error');
  } catch (err) {
    await failWithContext(sec.page, step, err);
  } finally {
    await sec.context.close();
  }

  // 3. A visitor reads the public page without logging in.
  const context = await running.browser.newContext({ baseURL: running.server.baseURL, locale: 'fr-FR' });
  const page = await context.newPage();
  step = 'open the public page';
  try {
    await page.goto('/login');
    await submitAndWait(page, '[data-testid=public-link]', 'the link to the public page');
    await expectPath(page, '/public', 'the public page');
    const registered = (await page.locator('[data-testid=public-registered]').innerText()).trim();
    assert.match(registered, /^(\d[\d\s\u00a0\u202f]*|< 5|x)$/, `a published count, not "${registered}"`);
    assert.ok((await page.locator('[data-testid=public-map] svg a').count()) >= 8, 'the map on the public page');
    assert.ok((await page.locator('[data-testid=public-services] li').count()) > 0, 'the service directory');
    await screenshot(page, 'monitoring-public');
  } catch (err) {
    await failWithContext(page, step, err);
  } finally {
    await context.close();
  }
});
