// The front desk's page in a real browser (Debian's chromium, driven by playwright-core),
// against `covcheck serve --rules rules` (the payer registry): one Spravato case filled
// through the form for three payers (covered, pending, denied), the checklist read, every
// payer compared, the summary printed, an error shown at its field, the labels checked
// through the accessibility tree (locator.ariaSnapshot) and the layout checked at 1,280 px
// with five treatments and at phone width. With a SHOTS folder, keeps the guide's screenshots.
// Usage: node front_desk.mjs BASE_URL [SHOTS]
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, shots] = process.argv.slice(2);
if (!base) {
  console.error('usage: node front_desk.mjs BASE_URL [SHOTS]');
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
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// The brief's first example: an adult with two failed antidepressant trials, a psychiatrist,
// a REMS-certified office (rules/acme/cases/esk-covered.yaml), entered as a clinic would.
async function fillCase(page, payer, extraTreatments = 0) {
  const group = (name) => page.getByRole('group', { name, exact: true });
  await page.getByLabel('ID', { exact: true }).fill(`desk-${payer.replace(/\W+/g, '-').toLowerCase()}`);
  await page.getByLabel('Date of service', { exact: true }).fill('2026-03-02');
  const patient = group('Patient');
  await patient.getByLabel('Birth date', { exact: true }).fill('1987-05-14');
  await patient.getByLabel('Sex', { exact: true }).selectOption('female');
  await patient.getByLabel('State', { exact: true }).selectOption('NY');
  await group('Pregnant').getByLabel('No', { exact: true }).check();
  await group('Veteran').getByLabel('No', { exact: true }).check();
  const plan = group('Plan');
  await plan.getByLabel('Payer', { exact: true }).selectOption(payer);
  await plan.getByLabel('Type', { exact: true }).selectOption('commercial');
  await plan.getByLabel('Network', { exact: true }).fill('in');
  await group('Riders').getByLabel('None of these').check();
  const request = group('Request');
  await request.getByLabel('Service', { exact: true }).selectOption({ label: 'Esketamine nasal spray (Spravato)' });
  await request.getByLabel('HCPCS codes', { exact: true }).fill('J0013, G2082');
  await request.getByLabel('Site', { exact: true }).selectOption('office');
  await request.getByLabel('Sessions', { exact: true }).fill('8');
  await request.getByLabel('Period days', { exact: true }).fill('28');
  await request.getByLabel('Prescriber specialty', { exact: true }).selectOption('psychiatry');
  await group('REMS certified site').getByLabel('Yes').check();
  await request.getByLabel('Submitted', { exact: true }).fill('2026-03-09');

  await page.getByRole('button', { name: 'Add diagnosis' }).click();
  await page.getByLabel('Code (diagnosis 1)').fill('F33.2');
  await group('Primary (diagnosis 1)').getByLabel('Yes').check();
  const treatments = [
    ['sertraline', 'ssri', '2025-01-10', '2025-03-15', 'failed'],
    ['venlafaxine XR', 'snri', '2025-04-01', '2025-06-15', 'failed'],
    ['bupropion XL', 'atypical', '2025-07-01', '', 'ongoing'],
    ['escitalopram', 'ssri', '2023-01-10', '2023-04-15', 'failed'],
    ['mirtazapine', 'atypical', '2023-05-01', '2023-08-15', 'intolerant'],
  ].slice(0, 3 + extraTreatments);
  for (const [i, [name, cls, start, end, outcome]] of treatments.entries()) {
    const n = i + 1;
    await page.getByRole('button', { name: 'Add treatment' }).click();
    await page.getByLabel(`Name (treatment ${n})`).fill(name);
    await page.getByLabel(`Class (treatment ${n})`).selectOption(cls);
    await page.getByLabel(`Start (treatment ${n})`).fill(start);
    if (end) await page.getByLabel(`End (treatment ${n})`).fill(end);
    await group(`Adequate dose (treatment ${n})`).getByLabel('Yes').check();
    await page.getByLabel(`Outcome (treatment ${n})`).selectOption(outcome);
  }
  await page.getByRole('button', { name: 'Add current medication' }).click();
  await page.getByLabel('Name (current medication 1)').fill('bupropion XL');
  await page.getByLabel('Class (current medication 1)').selectOption('atypical');
  await page.getByRole('button', { name: 'Add assessment' }).click();
  await page.getByLabel('Instrument (assessment 1)').selectOption('phq9');
  await page.getByLabel('Score (assessment 1)').fill('21');
  await page.getByLabel('Date (assessment 1)').fill('2026-02-20');
  const documents = group('Documents');
  for (const doc of ['Letter of medical necessity', 'Treatment history', 'REMS patient enrollment (esketamine)', 'Prior auth form'])
    await documents.getByLabel(doc, { exact: true }).check();
  await group('Conditions').getByLabel('None of these').check();
}

async function freshPage() {
  const page = await context.newPage();
  await page.goto(base, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
  return page;
}

// The page's own width against the window's: nothing may scroll sideways.
async function noSidewaysScroll(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  check(scroll <= client, `${what}: the page is ${scroll} px wide in a ${client} px window`);
  // Every drop-down and text box shows at least "Not known" and a short date or name.
  const narrow = await page.evaluate(() => [...document.querySelectorAll('#case-form select, #case-form input[type=text], #case-form input[type=date], #case-form input[type=number]')]
    .filter((n) => n.offsetParent !== null && n.getBoundingClientRect().width < 150).map((n) => n.id));
  check(narrow.length === 0, `${what}: inputs narrower than 150 px: ${narrow.slice(0, 5).join(', ')}`);
}

const consoleErrors = [];
const foreign = [];
try {
  // ---- Labels, help and the accessibility tree ------------------------------------------
  let page = await freshPage();
  // The case with an error is answered 400 on purpose: chromium logs that one.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 400')) consoleErrors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  check((await page.textContent('#loaded')).includes('Acme Health'), 'the page names the registry\'s payers');
  const request = await page.getByRole('group', { name: 'Request', exact: true }).ariaSnapshot();
  for (const want of ['combobox "Service"', 'option "Esketamine nasal spray (Spravato)"', 'textbox "HCPCS codes"',
    'group "REMS certified site"', 'radio "Yes"', 'radio "No"', 'radio "Not known"', 'combobox "Indication"',
    'option "TRD: treatment-resistant depression"', 'combobox "Prescriber specialty"'])
    check(request.includes(want), `the Request group's accessibility tree has ${want}`);
  for (const raw of ['"Cpt"', '"Hcpcs"', '"Rems certified site"', '"esketamine nasal"', '"mdd si"', '(not k'])
    check(!request.includes(raw), `no raw field name ${raw} in the Request group`);
  const plan = await page.getByRole('group', { name: 'Plan', exact: true }).ariaSnapshot();
  for (const want of ['combobox "Payer"', 'option "Acme Health"', 'option "Cigna"', 'option "TRICARE"'])
    check(plan.includes(want), `the payer picker offers ${want}`);
  // Help text from the schema's documentation is the field's description.
  const specialty = page.getByLabel('Prescriber specialty', { exact: true });
  const help = await page.evaluate((id) => document.getElementById(`${id}-help`)?.textContent, await specialty.getAttribute('id'));
  check(help === 'Specialty of the prescriber / ordering clinician', `the prescriber's help text (got ${help})`);
  check((await specialty.getAttribute('aria-describedby')).includes('-help'), 'help text is announced with its field');

  // ---- Layout: five treatments at 1,280 px, then phone width ----------------------------
  await fillCase(page, 'Acme Health', 2);
  const suffix = await page.locator('[data-suffix]').first().boundingBox();
  check(suffix && suffix.width <= 1 && suffix.height <= 1, 'the "(treatment 1)" part of a label is for screen readers only');
  await noSidewaysScroll(page, '1280 px, five treatments');
  if (shots) {
    await page.evaluate(() => window.scrollTo(0, document.getElementById('form-fields').offsetTop - 10));
    await page.screenshot({ path: join(shots, 'clinic-guide-form.png') });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(page, 'phone width');
  await page.setViewportSize({ width: 1280, height: 900 });

  // ---- An error is shown at its field, which gets the focus -----------------------------
  await page.getByLabel('Score (assessment 1)').fill('99');
  await page.getByRole('button', { name: 'Check coverage' }).first().click();
  await page.waitForSelector('.error-box', { timeout: 10000 });
  const score = page.getByLabel('Score (assessment 1)');
  check((await score.getAttribute('aria-invalid')) === 'true', 'the PHQ-9 score of 99 is marked invalid');
  check(await score.evaluate((n) => document.activeElement === n), 'the invalid score has the focus');
  const scoreError = await page.evaluate((id) => document.getElementById(`${id}-error`).textContent, await score.getAttribute('id'));
  check(scoreError.includes('27'), `the error under the score names the scale (got ${scoreError})`);
  check(!(await page.textContent('.error-box')).includes('column'), 'a form error does not point at a line and column of JSON');
  await page.close();

  // ---- Three payers: fill, check, read the checklist ------------------------------------
  const payers = [
    ['Acme Health', 'covered', 'acme 2026.1'],
    ['Cigna', 'pend', 'cigna'],
    ['TRICARE', 'denied', 'tricare'],
  ];
  for (const [payer, want, policy] of payers) {
    page = await freshPage();
    await fillCase(page, payer);
    await page.getByRole('button', { name: 'Check coverage' }).first().click();
    await page.waitForSelector('#decision', { timeout: 10000 });
    const decision = await page.getAttribute('#decision', 'data-decision');
    check(decision === want, `${payer}: the decision is ${want} (got ${decision})`);
    check((await page.textContent('#policy')).includes(policy), `${payer}: the policy is ${policy}`);
    const statuses = await page.locator('#checklist li[data-status]').evaluateAll((lis) => lis.map((li) => li.dataset.status));
    check(statuses.length >= 3, `${payer}: the checklist lists the criteria (${statuses.length})`);
    if (want === 'covered') check(statuses.every((s) => s === 'met' || s === 'not_applicable'), `${payer}: every criterion met`);
    if (want === 'pend') check(statuses.includes('unknown'), `${payer}: an unknown criterion explains the pend`);
    // TRICARE denies for the coding (G2082 with J0013), a restriction that applies as a whole.
    if (want === 'denied') check(statuses.includes('not_met') || statuses.includes('applies'), `${payer}: the checklist shows what denies`);
    const text = await page.locator('#checklist').innerText();
    check(!/[a-z_]+\.[a-z_]+ (==|>=|<=)/.test(text), `${payer}: no rule code in the checklist`);
    const order = await page.evaluate(() => {
      const c = document.getElementById('checklist');
      const t = document.getElementById('trace');
      return !t || (c.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    check(order, `${payer}: the checklist comes before the trace`);

    if (want === 'covered') {
      if (shots) {
        await page.locator('#answer').scrollIntoViewIfNeeded();
        await page.evaluate(() => window.scrollTo(0, document.getElementById('answer').offsetTop - 10));
        await page.screenshot({ path: join(shots, 'clinic-guide-checklist.png') });
      }
      // The trace: one folded entry per rule, and inside it one folded line per quantifier.
      const rule = page.locator('#trace details[data-rule="s3_esketamine"]');
      check(!(await rule.evaluate((d) => d.open)), 'trace entries start folded');
      await rule.locator('summary').first().focus();
      await page.keyboard.press('Enter');
      check(await rule.evaluate((d) => d.open), 'Enter opens a trace entry');
      const height = await rule.evaluate((d) => d.getBoundingClientRect().height);
      check(height < 1500, `an opened rule is ${Math.round(height)} px tall, its quantifiers folded`);
      check(await rule.locator('details').count() > 0, 'quantifiers inside a rule fold');

      // Print summary: the summary opens in a new tab, ready to print.
      const [summary] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Print summary' }).click()]);
      await summary.waitForLoadState('load');
      const body = await summary.locator('body').innerText();
      check(body.includes('Decision: Covered'), 'the summary shows the decision');
      check(body.includes('2026.1'), 'the summary shows the policy version');
      check(body.includes('Acme Health'), 'the summary shows the payer');
      const pdf = await summary.pdf({ format: 'Letter' });
      check(pdf.length > 10000 && pdf.subarray(0, 4).toString() === '%PDF', 'the summary prints to PDF');
      if (shots) await summary.screenshot({ path: join(shots, 'clinic-guide-summary.png') });
      await summary.close();
    }
    await page.close();
  }

  // ---- Every payer side by side -----------------------------------------------------------
  page = await freshPage();
  await fillCase(page, 'Cigna');
  await page.getByRole('button', { name: 'Compare all payers' }).click();
  await page.waitForSelector('#compare article', { timeout: 15000 });
  const cards = await page.locator('#compare article').evaluateAll((as) => as.map((a) => [a.dataset.payer, a.dataset.decision, a.innerText]));
  check(cards.length >= 8, `every payer of the registry is compared (${cards.length})`);
  const byId = Object.fromEntries(cards.map(([id, d, t]) => [id, { d, t }]));
  check(byId.acme && byId.acme.d === 'covered', 'Acme covers the case');
  check(byId.cigna && byId.cigna.d === 'pend', 'Cigna pends it');
  check(byId.aetna && byId.aetna.t.includes('Not addressed by this policy'), 'a policy that does not address the service says so');
  check((await page.textContent('#shortest-path')).includes('Acme Health'), 'the shortest path names the covering payer');
  await noSidewaysScroll(page, 'compare view at 1280 px');
  if (shots) {
    await page.evaluate(() => window.scrollTo(0, document.getElementById('answer').offsetTop - 10));
    await page.screenshot({ path: join(shots, 'clinic-guide-compare.png') });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(page, 'compare view at phone width');
  await page.close();

  check(consoleErrors.length === 0, `no console errors (saw ${consoleErrors.join('; ')})`);
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
