// Drive the `povsim serve` page in Debian's headless Chromium as a teacher
// would: press Run, move a module's budget slider with the keyboard, press
// Run again, and check that the incidence chart now shows other numbers, with
// the first run kept faintly behind.
//
//   node tests/browser/slider_run.mjs URL [SLIDER_NAME]
//
// URL is the page (http://127.0.0.1:PORT/); SLIDER_NAME a range input's name
// (default: interventions.transfers.budget). Exits 0 when every check holds,
// 1 with a one-line reason otherwise. Uses playwright-core only (no browser
// download): `npm ci --prefix tests/browser` installs it.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT = Number(process.env.SLIDER_RUN_TIMEOUT_MS || 60_000);

class Failure extends Error {}
const check = (ok, msg) => {
  if (!ok) throw new Failure(msg);
};

const url = process.argv[2];
const sliderName = process.argv[3] || 'interventions.transfers.budget';
if (!url) {
  console.error('usage: node slider_run.mjs URL [SLIDER_NAME]');
  process.exit(2);
}

/**
 * The incidence chart's data: "year: value%" of each year of the current run,
 * from the numbers shown with the chart.
 */
async function chartData(page) {
  return page.locator('#incidence-numbers tbody tr').evaluateAll((rows) =>
    rows.map((r) => `${r.cells[0].textContent.trim()}: ${r.querySelector('td.now').textContent.trim()}`),
  );
}

/** The chart as drawn: the points of its opaque lines (the current run, axes, legend). */
async function drawnLines(page) {
  return page.locator('#incidence svg polyline').evaluateAll((lines) =>
    lines.filter((l) => Number(getComputedStyle(l).opacity) > 0.99).map((l) => l.getAttribute('points')).join(' | '),
  );
}

/** Opacities of the chart's faint lines (drawn at less than full opacity). */
async function faintLines(page) {
  return page.locator('#incidence svg polyline').evaluateAll((lines) =>
    lines.map((l) => Number(getComputedStyle(l).opacity)).filter((o) => o > 0 && o < 0.99),
  );
}

/**
 * Press Run and wait for the result that answers this press: the chart on the
 * page is marked stale first, so an old chart never counts as the new one,
 * whether Run loads a new page or updates this one.
 */
async function run(page) {
  await page.evaluate(() => {
    const svg = document.querySelector('#incidence');
    if (svg) svg.setAttribute('data-stale', '1');
  });
  await page.locator('#run').click();
  const fresh = page.locator('#incidence:not([data-stale]), #error').first();
  try {
    await fresh.waitFor({ timeout: TIMEOUT });
  } catch (e) {
    throw new Failure(`no new result on the page ${TIMEOUT / 1000} s after pressing Run (${e.message.split('\n')[0]})`);
  }
  const error = page.locator('#error');
  if ((await error.count()) > 0) {
    throw new Failure(`the page answered Run with an error: ${(await error.first().innerText()).trim()}`);
  }
}

async function main() {
  const profile = mkdtempSync(join(tmpdir(), 'povsim-slider-'));
  let browser;
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      timeout: TIMEOUT,
    });
    const page = browser.pages()[0] || (await browser.newPage());
    page.setDefaultTimeout(TIMEOUT);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Anything but the page's own server is a request the page must not make.
    const origin = new URL(url).origin;
    const foreign = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
    });

    const resp = await page.goto(url, { waitUntil: 'load' });
    check(resp && resp.ok(), `GET ${url} answered ${resp && resp.status()}`);
    const slider = page.locator(`input[type=range][name="${sliderName}"]`);
    check((await slider.count()) === 1, `no range input named ${sliderName} on the page`);

    // 1. Run as it is.
    await run(page);
    const before = await chartData(page);
    const drawnBefore = await drawnLines(page);
    check(before.length > 1, `the first run shows ${before.length} years with the incidence chart`);
    check(drawnBefore.length > 0, 'the first run drew no lines on the incidence chart');
    check((await faintLines(page)).length === 0, 'the first run shows a previous run');
    const start = await slider.inputValue();
    const min = await slider.getAttribute('min');
    check(start !== min, `${sliderName} is already at its minimum (${min}); nothing to move`);

    // 2. Move the slider as a user does: focus it and press Home (input and
    //    change events fire); its value and the number beside it follow.
    await slider.focus();
    await page.keyboard.press('Home');
    const moved = await slider.inputValue();
    check(moved === min, `${sliderName}: Home moved it to ${moved}, expected ${min}`);
    const shown = (await slider.locator('xpath=following-sibling::output[1]').innerText()).trim();
    check(shown === moved, `the number beside the slider shows ${shown}, the slider ${moved}`);

    // 3. Run again: the chart answers the new value.
    await run(page);
    const after = await chartData(page);
    check(after.length > 1, `the second run shows ${after.length} years with the incidence chart`);
    check(
      JSON.stringify(after) !== JSON.stringify(before) && (await drawnLines(page)) !== drawnBefore,
      `the incidence chart did not change after moving ${sliderName} from ${start} to ${moved} and pressing Run (${after.join(', ')})`,
    );
    check(
      (await page.locator(`input[name="${sliderName}"]`).inputValue()) === moved,
      `after Run the slider shows ${await page.locator(`input[name="${sliderName}"]`).inputValue()}, not ${moved}`,
    );

    // 4. The first run is kept, faintly.
    const faint = await faintLines(page);
    check(faint.length >= 1, 'the previous run is not drawn on the incidence chart');
    const opacity = Math.max(...faint);
    check(opacity < 0.6, `the previous run is drawn with opacity ${opacity}, not faintly`);
    const shownBefore = await page.locator('#incidence-numbers td.prev').allTextContents();
    check(
      JSON.stringify(shownBefore.map((v) => v.trim())) === JSON.stringify(before.map((r) => r.split(': ')[1])),
      `the previous run's numbers (${shownBefore.join(', ')}) are not the first run's (${before.join(', ')})`,
    );
    const note = await page.locator('#incidence + p.note').innerText();
    check(/previous run \(as in the scenario\)/.test(note), `the chart's note does not name the previous run: ${note}`);
    check(note.includes(`${sliderName}=${moved}`), `the chart's note does not name this run's change: ${note}`);

    // 5. The rest of the result: a map per year (a year's button shows its map),
    //    spending, household stories.
    const years = await page.locator('.stepper input[type=radio]').count();
    check(years === before.length, `${years} year buttons for ${before.length} years`);
    check(await page.locator('.maps .m0').isVisible(), 'the first year\'s village map is not shown');
    await page.locator(`label[for=yr${years - 1}]`).click();
    check(await page.locator(`.maps .m${years - 1}`).isVisible(), 'the last year\'s button does not show its map');
    check(!(await page.locator('.maps .m0').isVisible()), 'the first year\'s map stays shown with the last year\'s');
    check((await page.locator('#spending rect').count()) > 0, 'the spending chart has no bars');
    check((await page.locator('#stories').count()) === 1, 'no household stories');

    check(pageErrors.length === 0, `script errors on the page: ${pageErrors.join('; ')}`);
    check(foreign.length === 0, `the page fetched from elsewhere: ${foreign.join(', ')}`);
    console.log(
      `ok: ${sliderName} ${start} -> ${moved}; incidence ${before[before.length - 1]} -> ${after[after.length - 1]}; previous run kept faintly (opacity ${opacity})`,
    );
  } finally {
    if (browser) await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`slider_run: ${e instanceof Failure ? e.message : e.stack || e}`);
    process.exit(1);
  },
);
