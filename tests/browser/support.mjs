// Shared helpers for the real-browser tests: start a cnrm server, launch the
// Debian chromium through playwright-core, wait for things with clear messages.
//
// This file is deliberately not named *.test.mjs, so `node --test` does not run it.

import { spawn } from 'node:child_process';
import { existsSync, accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { chromium } from 'playwright-core';

/** Repository root: two levels up from tests/browser. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The machine is slow: generous timeouts everywhere (milliseconds). */
export const TIMEOUTS = {
  serverStart: 60_000,
  browserLaunch: 60_000,
  navigation: 60_000,
  action: 30_000,
};

/** Chromium binary: the Debian package. Override with CNRM_CHROMIUM if ever needed. */
export const CHROMIUM_PATH = process.env.CNRM_CHROMIUM || '/usr/bin/chromium';

/** Exact flags the project launches chromium with. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Path of the cnrm binary: $CNRM_BIN (relative paths are taken from the repo root) or target/debug/cnrm. */
export function cnrmBinary() {
  const fromEnv = process.env.CNRM_BIN;
  const bin = fromEnv ? path.resolve(REPO_ROOT, fromEnv) : path.join(REPO_ROOT, 'target', 'debug', 'cnrm');
  if (!existsSync(bin)) {
    throw new Error(
      `cnrm binary not found at ${bin}` +
        (fromEnv ? ' (from CNRM_BIN)' : '') +
        '. Build it first with `cargo build -p cnrm` (or run ./scripts/test.sh), or point CNRM_BIN at it.',
    );
  }
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    throw new Error(`cnrm binary at ${bin} is not executable`);
  }
  return bin;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Keep only the tail of a growing log so a chatty server cannot eat the memory. */
function tailBuffer(limit = 64 * 1024) {
  let text = '';
  return {
    push(chunk) {
      text += chunk.toString();
      if (text.length > limit) text = text.slice(text.length - limit);
    },
    get text() {
      return text;
    },
  };
}

/**
 * Start `cnrm serve --demo` on a fresh SQLite file in a temporary directory and a free port,
 * and wait until GET /healthz answers 200.
 *
 * Returns { baseURL, port, tmpDir, child, logs(), stop() }. stop() is idempotent and
 * also removes the temporary directory.
 */
export async function startServer() {
  const bin = cnrmBinary();
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'cnrm-browser-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const database = `sqlite:${path.join(tmpDir, 'browser.sqlite3')}`;
  const args = ['serve', '--demo', '--database', database, '--listen', `127.0.0.1:${port}`];

  const stdout = tailBuffer();
  const stderr = tailBuffer();
  const child = spawn(bin, args, {
    cwd: tmpDir,
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c) => stdout.push(c));
  child.stderr.on('data', (c) => stderr.push(c));

  let exit = null; // { code, signal } once the process is gone
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.on('error', (err) => {
      spawnError = err;
      exit = exit || { code: null, signal: null };
      resolve(exit);
    });
  });

  // Safety net: never leave a server behind, even if the test process dies abruptly.
  const killOnExit = () => {
    if (!exit) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const logs = () =>
    `--- cnrm stderr (tail) ---\n${stderr.text || '(empty)'}\n--- cnrm stdout (tail) ---\n${stdout.text || '(empty)'}`;

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exit) {
      child.kill('SIGTERM');
      const grace = new AbortController();
      const done = await Promise.race([exited, sleep(10_000, null, { signal: grace.signal }).catch(() => null)]);
      grace.abort();
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    process.off('exit', killOnExit);
    await rm(tmpDir, { recursive: true, force: true });
  }

  const commandLine = `${bin} ${args.join(' ')}`;
  const deadline = Date.now() + TIMEOUTS.serverStart;
  let lastProblem = 'no attempt yet';
  try {
    for (;;) {
      if (spawnError) {
        throw new Error(`could not start \`${commandLine}\`: ${spawnError.message}`);
      }
      if (exit) {
        throw new Error(
          `cnrm exited early (code ${exit.code}, signal ${exit.signal}) before /healthz answered 200.\n` +
            `command: RUST_LOG=warn ${commandLine}\n${logs()}`,
        );
      }
      try {
        const res = await fetch(`${baseURL}/healthz`, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) break;
        lastProblem = `GET /healthz answered ${res.status}`;
      } catch (err) {
        lastProblem = `GET /healthz failed: ${err.cause?.code || err.message}`;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `cnrm did not become healthy within ${TIMEOUTS.serverStart / 1000}s (expected GET /healthz to answer 200; last: ${lastProblem}).\n` +
            `command: RUST_LOG=warn ${commandLine}\n${logs()}`,
        );
      }
      await sleep(250);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return { baseURL, port, tmpDir, child, logs, stop };
}

/** Launch the Debian chromium headless with the project's flags. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`chromium not found at ${CHROMIUM_PATH}; install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: TIMEOUTS.browserLaunch,
  });
}

/** Screenshot into $CNRM_SCREENSHOT_DIR for humans, if it is set. Returns the file path or null. */
export async function screenshot(page, name) {
  const dir = process.env.CNRM_SCREENSHOT_DIR;
  if (!dir) return null;
  await mkdir(dir, { recursive: true });
  const file = path.join(path.resolve(dir), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** First line of an error message, for compact diagnostics. */
export function firstLine(err) {
  return String(err?.message ?? err).split('\n')[0];
}

/** Path part of the page's current URL. */
export function currentPath(page) {
  return new URL(page.url()).pathname;
}

/** Wait until the page is on `expectedPath`, or fail saying where it is instead. */
export async function expectPath(page, expectedPath, why) {
  try {
    await page.waitForURL((url) => url.pathname === expectedPath, {
      timeout: TIMEOUTS.navigation,
      waitUntil: 'load',
    });
  } catch (err) {
    throw new Error(
      `${why}: expected to be on ${expectedPath}, but the page is at ${page.url()}` +
        ` (${err.name === 'TimeoutError' ? `waited ${TIMEOUTS.navigation / 1000}s` : err.message})`,
    );
  }
}

/** Wait until <html lang> is `lang` (survives navigations), or fail saying what it is. */
export async function expectLang(page, lang, why) {
  try {
    await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached', timeout: TIMEOUTS.action });
  } catch {
    const actual = await page.locator('html').getAttribute('lang').catch(() => '(unreadable)');
    throw new Error(`${why}: expected <html lang="${lang}">, got lang=${JSON.stringify(actual)} at ${page.url()}`);
  }
}

/** Normalised text content of the first element matching `selector`, failing clearly if it is absent. */
export async function textOf(page, selector, why) {
  const loc = page.locator(selector).first();
  try {
    await loc.waitFor({ state: 'attached', timeout: TIMEOUTS.action });
  } catch (err) {
    throw new Error(`${why}: expected an element matching ${selector} on ${page.url()} (${firstLine(err)})`);
  }
  return ((await loc.textContent()) || '').replace(/\s+/g, ' ').trim();
}

/**
 * Click the element matching `selector` (exactly one), failing clearly if it is not there.
 * Like a user, first opens any closed <details> menu (e.g. a user menu) that hides it.
 */
export async function clickOn(page, selector, why) {
  const loc = page.locator(selector);
  try {
    await loc.waitFor({ state: 'attached', timeout: TIMEOUTS.action });
  } catch (err) {
    throw new Error(`${why}: expected exactly one ${selector} on ${page.url()} (${firstLine(err)})`);
  }
  if (!(await loc.isVisible())) {
    const closedMenus = page.locator(`details:not([open]):has(${selector}) > summary`);
    for (let i = 0; i < 5 && (await closedMenus.count()) > 0; i++) {
      await closedMenus.first().click();
    }
  }
  try {
    await loc.waitFor({ state: 'visible', timeout: TIMEOUTS.action });
  } catch (err) {
    throw new Error(`${why}: ${selector} is on ${page.url()} but never became visible (${firstLine(err)})`);
  }
  await loc.click();
}

/** Click a submit button or link and wait until the resulting document is loaded (whatever redirects happen). */
export async function submitAndWait(page, selector, why) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
    timeout: TIMEOUTS.navigation,
  });
  navigated.catch(() => {}); // awaited below; a failed click must not leave it unhandled
  await clickOn(page, selector, why);
  try {
    await navigated;
  } catch (err) {
    throw new Error(`${why}: expected clicking ${selector} to load a new page, but none came (${firstLine(err)})`);
  }
  await page.waitForLoadState('load', { timeout: TIMEOUTS.navigation });
}

/**
 * A fresh French browser context logged in as `username` (accepting the code of conduct on a first
 * login). Returns { context, page, errors }: `errors` collects page errors and 5xx answers.
 */
export async function logInFresh(browser, baseURL, username, password) {
  const context = await browser.newContext({ baseURL, locale: 'fr-FR', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUTS.action);
  page.setDefaultNavigationTimeout(TIMEOUTS.navigation);
  const errors = [];
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${firstLine(err)}`));
  page.on('response', (res) => {
    if (res.status() >= 500) errors.push(`${res.request().method()} ${res.url()} -> ${res.status()}`);
  });
  await page.goto('/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await submitAndWait(page, '[data-testid=login-submit]', `login of ${username}`);
  if (currentPath(page) === '/code-of-conduct') {
    await submitAndWait(page, '[data-testid=accept-conduct]', `${username} accepting the code of conduct`);
  }
  await expectPath(page, '/', `${username} after logging in`);
  return { context, page, errors };
}

/**
 * Registers node:test hooks that start `cnrm serve --demo` and Chromium before the file's tests and
 * stop both after them. Returns an object whose `server` and `browser` are set once started.
 */
export function withServerAndBrowser(before, after) {
  const shared = { server: null, browser: null };
  before(
    async () => {
      shared.server = await startServer();
      try {
        shared.browser = await launchBrowser();
      } catch (err) {
        await shared.server.stop();
        throw err;
      }
    },
    { timeout: TIMEOUTS.serverStart + TIMEOUTS.browserLaunch + 30_000 },
  );
  after(
    async () => {
      await shared.browser?.close().catch(() => {});
      await shared.server?.stop();
    },
    { timeout: 30_000 },
  );
  return shared;
}
