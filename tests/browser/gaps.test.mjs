// Real-browser test of issue 5: the secretariat opens the gap and overlap matrix (a table whose cells
// carry a written status) and records an action point for ANPE at a coordination meeting; ANPE's focal
// point then updates that action point from the meeting page.
//
// Run with ./scripts/test.sh, or by hand:
//   cargo build -p cnrm && (cd tests/browser && npm ci && npm test)
// Environment: see login.test.mjs (CNRM_BIN, CNRM_SCREENSHOT_DIR, CNRM_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { withServerAndBrowser, screenshot, expectPath, submitAndWait, logInFresh } from './support.mjs';

const PASSWORD = 'Demo-CNRM-2024';

const running = withServerAndBrowser(before, after);

/** A fresh French browser context, logged in as `username` (code of conduct accepted). */
function logIn(username) {
  return logInFresh(running.browser, running.server.baseURL, username, PASSWORD);
}

async function failWithContext(page, step, err) {
  const shot = await screenshot(page, 'gaps-failure').catch(() => null);
  const body = await page.locator('body').innerText({ timeout: 5_000 }).catch(() => '(no body)');
  throw new Error(`step "${step}" failed at ${page.url()}: ${err.message}\n${shot ? `screenshot: ${shot}\n` : ''}--- page text ---\n${body.slice(0, 3000)}`);
}

test('the secretariat reads the gap matrix; a partner updates its action point', { timeout: 8 * 60_000 }, async () => {
  const description = `Cartographier les services de logement à Kayes (${Date.now()})`;
  let meetingPath;

  // 1. The secretariat opens the matrix from the navigation.
  const sec = await logIn('secretariat');
  let step = 'open the gap matrix';
  try {
    await submitAndWait(sec.page, 'nav a[href="/gaps"]', 'the navigation entry of the gap matrix');
    await expectPath(sec.page, '/gaps', 'after choosing the gap matrix in the navigation');
    const table = sec.page.locator('[data-testid=gap-matrix]');
    await table.waitFor({ state: 'visible' });
    assert.ok((await table.locator('caption').innerText()).length > 0, 'the matrix table has a caption');
    assert.ok((await table.locator('thead th[scope=col]').count()) >= 17, 'one column per assistance category');
    assert.ok((await table.locator('tbody th[scope=row]').count()) >= 10, 'one row per region');

    step = 'open a region';
    await submitAndWait(sec.page, '[data-testid=gap-matrix] a[href^="/gaps?region=ML01&"]', 'the Kayes region row');
    const cercles = sec.page.locator('tr.gap-cercle');
    assert.ok((await cercles.count()) > 0, 'the region opens on its cercles');
    // The demo's returnees have needs: at least one cell is uncovered, under capacity or covered, and says so.
    const classified = sec.page.locator('td[data-status=gap-uncovered], td[data-status=gap-under], td[data-status=gap-covered]');
    const n = await classified.count();
    assert.ok(n > 0, 'at least one classified cell in Kayes');
    const text = await classified.first().locator('.gap-status').innerText();
    assert.ok(['Non couvert', 'Capacité insuffisante', 'Couvert'].includes(text.trim()), `a written status, got "${text}"`);
    assert.ok(await sec.page.locator('[data-testid=gaps-csv]').isVisible(), 'the CSV download is offered');
    await screenshot(sec.page, 'gaps-kayes');

    // 2. The secretariat records an action point for ANPE at a meeting.
    step = 'record an action point for ANPE';
    await sec.page.goto('/meetings');
    await submitAndWait(sec.page, '[data-testid=meeting-row]:nth-child(1) a', 'the first meeting of the list');
    meetingPath = new URL(sec.page.url()).pathname;
    await sec.page.locator('#description').fill(description);
    const owner = sec.page.locator('#owner_organisation_id');
    const anpe = await owner.locator('option', { hasText: 'ANPE' }).first().getAttribute('value');
    assert.ok(anpe, 'ANPE is among the possible owners');
    await owner.selectOption(anpe);
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await sec.page.locator('#due_on').fill(due);
    await submitAndWait(sec.page, `form[action="${meetingPath}/action-points"] button`, 'adding the action point');
    await sec.page.locator('[data-testid=action-point]', { hasText: description }).waitFor({ state: 'visible' });
    assert.deepEqual(sec.errors, [], 'no JavaScript error nor server error for the secretariat');
  } catch (err) {
    await failWithContext(sec.page, step, err);
  } finally {
    await sec.context.close();
  }

  // 3. ANPE's focal point updates it.
  const anpe = await logIn('anpe.focal');
  step = 'ANPE updates its action point';
  try {
    await anpe.page.goto(meetingPath);
    const point = anpe.page.locator('[data-testid=action-point]', { hasText: description });
    await point.waitFor({ state: 'visible' });
    const before = (await point.locator('[data-testid=action-point-status]').innerText()).trim();
    const status = point.locator('select[name=status]');
    const choice = await status.locator('option').nth(1).getAttribute('value');
    await status.selectOption(choice);
    await point.locator('textarea[name=comment]').fill('Liste des services transmise au secrétariat');
    const id = (await point.getAttribute('id')).replace('point-', '');
    await submitAndWait(anpe.page, `form[action="/action-points/${id}"] button`, 'updating the action point');
    const after = anpe.page.locator('[data-testid=action-point]', { hasText: description });
    await after.waitFor({ state: 'visible' });
    const now = (await after.locator('[data-testid=action-point-status]').innerText()).trim();
    assert.notEqual(now, before, `the status changed (was "${before}")`);
    assert.ok((await after.innerText()).includes('Liste des services transmise au secrétariat'), 'the comment is listed');
    assert.deepEqual(anpe.errors, [], 'no JavaScript error nor server error for ANPE');
    await screenshot(anpe.page, 'gaps-action-point');
  } catch (err) {
    await failWithContext(anpe.page, step, err);
  } finally {
    await anpe.context.close();
  }
});
