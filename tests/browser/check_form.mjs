// Browser end-to-end test of the pre-screening page: Debian's chromium, driven headless by
// playwright-core, fills the form for an esketamine case with the keyboard and mouse,
// submits it, checks the decision and one trace entry (and its link to the rule text),
// then saves a screenshot.
// Usage: node check_form.mjs BASE_URL SCREENSHOT.png
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error('usage: node check_form.mjs BASE_URL SCREENSHOT.png');
  process.exit(2);
}

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL: ${what}`);
  }
}

const profile = mkdtempSync(join(tmpdir(), 'covcheck-chromium-'));
// A fresh profile each run (playwright passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1200, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] || await context.newPage();
  // The page must not reach anything but this server.
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

  await page.goto(base, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
  check((await page.textContent('#loaded')).includes('acme 2026.1'), 'the page names the loaded policy');

  // The form, found by its labels.
  await page.getByLabel('ID', { exact: true }).fill('browser-esk');
  await page.getByLabel('Date of service', { exact: true }).fill('2026-03-02');
  await page.getByLabel('Service', { exact: true }).selectOption('esketamine_nasal');
  await page.getByLabel('HCPCS codes', { exact: true }).fill('J0013, G2082');
  await page.getByLabel('Site', { exact: true }).selectOption('office');
  await page.getByLabel('Sessions', { exact: true }).fill('8');
  await page.getByLabel('Period days', { exact: true }).fill('28');
  await page.getByLabel('Prescriber specialty', { exact: true }).selectOption('psychiatry');
  await page.getByRole('group', { name: 'REMS certified site', exact: true }).getByLabel('Yes').check();
  await page.getByLabel('Submitted', { exact: true }).fill('2026-03-09');
  await page.getByLabel('Birth date', { exact: true }).fill('1987-05-14');
  await page.getByLabel('Sex', { exact: true }).selectOption('female');
  await page.getByLabel('State', { exact: true }).selectOption('NY');
  await page.getByRole('group', { name: 'Pregnant', exact: true }).getByLabel('No', { exact: true }).check();
  const plan = page.getByRole('group', { name: 'Plan', exact: true });
  await plan.getByLabel('Type', { exact: true }).selectOption('commercial');
  await plan.getByLabel('Network', { exact: true }).fill('in');

  // A diagnosis: the ICD-10-CM check reacts while typing.
  await page.getByRole('button', { name: 'Add diagnosis' }).click();
  const code = page.getByLabel('Code (diagnosis 1)');
  await code.pressSequentially('F332');
  check((await code.getAttribute('aria-invalid')) === 'true', 'F332 is flagged as a malformed ICD-10-CM code');
  await code.fill('F33.2');
  await code.dispatchEvent('input');
  check((await code.getAttribute('aria-invalid')) === null, 'F33.2 is accepted');
  await page.getByRole('group', { name: 'Primary (diagnosis 1)' }).getByLabel('Yes').check();

  const treatments = [
    ['sertraline', 'ssri', '2025-01-10', '2025-03-15', 'failed'],
    ['venlafaxine XR', 'snri', '2025-04-01', '2025-06-15', 'failed'],
    ['bupropion XL', 'atypical', '2025-07-01', '', 'ongoing'],
  ];
  // Add one row too many and remove it: rows come and go.
  for (let i = 1; i <= treatments.length + 1; i++) await page.getByRole('button', { name: 'Add treatment' }).click();
  await page.getByRole('button', { name: `Remove treatment ${treatments.length + 1}` }).click();
  for (const [i, [name, cls, start, end, outcome]] of treatments.entries()) {
    const n = i + 1;
    await page.getByLabel(`Name (treatment ${n})`).fill(name);
    await page.getByLabel(`Class (treatment ${n})`).selectOption(cls);
    await page.getByLabel(`Start (treatment ${n})`).fill(start);
    if (end) await page.getByLabel(`End (treatment ${n})`).fill(end);
    await page.getByRole('group', { name: `Adequate dose (treatment ${n})` }).getByLabel('Yes').check();
    await page.getByLabel(`Outcome (treatment ${n})`).selectOption(outcome);
  }
  await page.getByRole('button', { name: 'Add current medication' }).click();
  await page.getByLabel('Name (current medication 1)').fill('bupropion XL');
  await page.getByLabel('Class (current medication 1)').selectOption('atypical');
  await page.getByRole('button', { name: 'Add assessment' }).click();
  await page.getByLabel('Instrument (assessment 1)').selectOption('phq9');
  await page.getByLabel('Score (assessment 1)').fill('21');
  await page.getByLabel('Date (assessment 1)').fill('2026-02-20');
  for (const doc of ['Letter of medical necessity', 'Treatment history', 'REMS patient enrollment (esketamine)', 'Prior auth form'])
    await page.getByLabel(doc, { exact: true }).check();
  // No known conditions: "None of these", not an unchecked (unknown) list.
  await page.getByRole('group', { name: 'Conditions' }).getByLabel('None of these').check();
  await page.getByRole('group', { name: 'Riders' }).getByLabel('None of these').check();

  await page.getByRole('button', { name: 'Check coverage' }).first().click();
  await page.waitForSelector('#decision', { timeout: 10000 });

  const decision = await page.getAttribute('#decision', 'data-decision');
  check(decision === 'covered', `the decision is covered (got ${decision})`);
  check((await page.textContent('#decision')).includes('Covered'), 'the decision is spelled out in words');
  check((await page.textContent('#benefit')) === 'mental health', 'the benefit is shown');
  check((await page.textContent('#prior-auth')) === 'Required', 'prior authorization is shown');

  // One trace entry: collapsed at first, opens, and links to its rule text.
  const rule = page.locator('details[data-rule="s3_esketamine"]');
  check(await rule.count() === 1, 'the trace lists s3_esketamine');
  check(!(await rule.evaluate((d) => d.open)), 'trace entries start collapsed');
  await rule.locator(':scope > summary').focus();
  await page.keyboard.press('Enter');
  check(await rule.evaluate((d) => d.open), 'Enter opens a trace entry');
  check((await rule.textContent()).includes('outcome: covered'), 's3_esketamine is the covering rule');
  await page.evaluate(() => window.scrollTo(0, document.getElementById('answer').offsetTop - 10));
  await page.screenshot({ path: screenshot, fullPage: false });

  const link = rule.locator('a').first();
  check((await link.getAttribute('href')).startsWith('/v1/policies/acme/2026.1/files/'), 'the rule links to its file');
  await link.click();
  await page.waitForSelector('#source-text .hit', { timeout: 5000 });
  check((await page.textContent('#source-text .hit')).includes('rule s3_esketamine'), 'the source view shows the rule line');
  await page.keyboard.press('Escape');
  check(consoleErrors.length === 0, `no console errors (saw ${consoleErrors.join('; ')})`);

  // The paste tab: a YAML case with a bad code shows diagnostics with the field.
  await page.getByRole('tab', { name: 'Paste or upload YAML / JSON' }).click();
  await page.getByLabel('Case in YAML or JSON (case format v1)').fill('id: pasted\ndiagnoses:\n  - code: F332\n');
  await page.getByRole('button', { name: 'Check coverage' }).last().click();
  await page.waitForSelector('.error-box', { timeout: 10000 });
  check((await page.textContent('.error-box')).includes('diagnoses[0].code'), 'a malformed pasted case names the field');

  check(foreign.length === 0, `no request leaves the server (saw ${foreign.join(', ')})`);
} catch (e) {
  failed++;
  console.log(`FAIL: ${e.message}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
