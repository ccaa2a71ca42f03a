// The pre-screening page: builds the case form from GET /v1/schema (labels, help text and
// option names from the schema's field and member documentation) and GET /v1/payers (the
// payer picker), sends the case to POST /v1/check or POST /v1/compare, shows the checklist
// first and the trace folded per rule and per quantifier, and opens the printable summary
// (POST /v1/summary) in a new tab. Everything is built with DOM calls and textContent: no
// server or case text is ever parsed as HTML.
'use strict';

const state = {
  schema: null, policies: [], payers: [], fileUrls: new Map(), rowCounters: new Map(),
  last: null,  // the last case sent: {body, type, asOf, fromForm, paths}
};

// ---- The API, with the key a server started with --api-keys asks for -------------------------

// The key lives in this tab's sessionStorage only (never in a cookie, never in the URL): the
// first 401 asks for it, and every /v1/* call sends it as X-API-Key. See docs/security.md.
const apiKeyItem = 'covcheck.apiKey';

async function api(url, init = {}) {
  const send = () => {
    const headers = new Headers(init.headers || {});
    const key = sessionStorage.getItem(apiKeyItem);
    if (key) headers.set('X-API-Key', key);
    return fetch(url, { ...init, headers });
  };
  let response = await send();
  if (response.status === 401) {
    const key = window.prompt('This server needs an API key (ask your administrator):');
    if (key) {
      sessionStorage.setItem(apiKeyItem, key.trim());
      response = await send();
    }
  }
  return response;
}

// ---- Small DOM helpers -------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// ---- Words: field and member names as people read them ---------------------------------

// Abbreviations spelt as clinics write them; everything else reads as lower-case words.
const abbreviations = {
  id: 'ID', cpt: 'CPT', hcpcs: 'HCPCS', rems: 'REMS', pdmp: 'PDMP', icd10: 'ICD-10', mdd: 'MDD', trd: 'TRD',
  si: 'SI', ssri: 'SSRI', snri: 'SNRI', tca: 'TCA', maoi: 'MAOI', ect: 'ECT', tms: 'TMS', nsaid: 'NSAID',
  phq9: 'PHQ-9', madrs: 'MADRS', hamd: 'HAM-D', gad7: 'GAD-7', pcl5: 'PCL-5', nrs: 'NRS', iv: 'IV', im: 'IM',
  fda: 'FDA', mg: 'mg',
};

function words(name) {
  return name.split('_').map((w) => abbreviations[w] || w).join(' ');
}

function capital(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

// A field's label: its name in words; code lists say what they hold.
function fieldLabel(field) {
  const codes = { cpt: 'CPT codes', hcpcs: 'HCPCS codes', icd10: 'ICD-10-CM codes' };
  if (field.list && codes[field.type] && field.name === field.type) return codes[field.type];
  return capital(words(field.name));
}

// The schema's documentation of a field, as help text ("v2:" marks are the schema's history).
function fieldHelp(field) {
  const doc = (field.doc || '').replace(/^v\d+:\s*/, '');
  // Documentation written for analysts (member lists, names in backticks, options) is not help.
  if (!doc || /[`|_;]|--/.test(doc)) return '';
  return capital(doc);
}

// A member's name for a drop-down or a checkbox: its documentation when it has one (without
// a closing parenthesis when long), after its abbreviation when it is one; a documentation of
// a word or two only qualifies the member's name ("Intracerebral hemorrhage (history of)").
function memberLabel(en, member) {
  const i = en.members.indexOf(member);
  let doc = ((en.docs && en.docs[i]) || '').replace(/^v\d+:\s*/, '');
  if (doc.length > 48 && doc.endsWith(')') && doc.indexOf(' (') > 0) doc = doc.slice(0, doc.indexOf(' ('));
  const abbreviation = abbreviations[member];
  if (!doc) return capital(words(member));
  if (doc.split(' ').length <= 2 && !abbreviation) return `${capital(words(member))} (${doc})`;
  if (abbreviation && !doc.includes(abbreviation)) return `${abbreviation}: ${doc}`;
  return capital(doc);
}

function singular(name) {
  if (name === 'diagnoses') return 'diagnosis';
  if (name.endsWith('ies')) return name.slice(0, -3) + 'y';
  if (name.endsWith('s')) return name.slice(0, -1);
  return name;
}

// ---- Code formats (the same rules as the engine's case loader) ---------------------------

const codeFormats = {
  icd10: { re: /^[A-Z][0-9][A-Z0-9](\.[A-Z0-9]{1,4})?$/, example: 'F33.2', name: 'ICD-10-CM' },
  cpt: { re: /^[0-9]{4}[0-9FT]$/, example: '96365', name: 'CPT' },
  hcpcs: { re: /^[A-V][0-9]{4}$/, example: 'J0013', name: 'HCPCS' },
};

function checkCode(input, note, format) {
  const values = input.value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = values.filter((v) => !format.re.test(v));
  if (bad.length === 0) {
    input.removeAttribute('aria-invalid');
    note.textContent = '';
  } else {
    input.setAttribute('aria-invalid', 'true');
    note.textContent = `${bad[0]} is not a ${format.name} code (like ${format.example})`;
  }
}

// ---- The form, generated from the schema -------------------------------------------------

function findRecord(name) { return state.schema.records.find((r) => r.name === name); }
function findEnum(name) { return state.schema.enums.find((e) => e.name === name); }

const noneValue = '__none__';

// The label's text, with what only a screen reader needs (" (treatment 2)") hidden on screen.
function labelText(label, suffix) {
  return [label, suffix ? el('span', { class: 'visually-hidden', 'data-suffix': '', text: ` ${suffix}` }) : null];
}

// Help text and the place for this field's error, both announced with the input.
function notes(id, help) {
  return [help ? el('div', { class: 'hint', id: `${id}-help`, text: help }) : null,
    el('div', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' })];
}

function describedBy(id, help) { return help ? `${id}-help ${id}-error` : `${id}-error`; }

// Yes / No / Not known: three answers, so "not known" is never taken for "no".
function choiceInput(field, id, label, suffix, help) {
  const name = `${id}-choice`;
  const option = (value, text) => el('label', {},
    el('input', { type: 'radio', name, value, id: `${id}-${value || 'unknown'}`, checked: value === '' }), text);
  return el('fieldset', { class: 'field choice', id, 'data-type': 'bool', 'aria-describedby': describedBy(id, help) },
    el('legend', {}, labelText(label, suffix)),
    el('div', { class: 'options' }, option('true', 'Yes'), option('false', 'No'), option('', 'Not known')),
    notes(id, help));
}

// One input for a scalar (or list-of-scalar) field. `id` is unique in the page.
function scalarInput(field, id, suffix = '') {
  const label = fieldLabel(field);
  let help = fieldHelp(field);
  if (field.type === 'bool' && !field.list) return choiceInput(field, id, label, suffix, help);
  const common = { id, 'data-type': field.type, 'data-list': field.list ? 'true' : null,
    'aria-describedby': describedBy(id, help || field.list) };
  let input;
  if (field.type === 'enum' && !field.list) {
    const en = findEnum(field.enum);
    input = el('select', common, el('option', { value: '', text: 'Not known' }),
      en.members.map((m) => el('option', { value: m, text: memberLabel(en, m) })));
  } else if (field.name === 'payer' && field.type === 'string' && state.payers.length) {
    // The payer picker: the registry's payers, by the name on the card.
    const names = [...new Set(state.payers.map((p) => p.name))];
    input = el('select', common, el('option', { value: '', text: 'Not known' }),
      names.map((n) => el('option', { value: n, text: n })));
    help = 'Choose the payer on the patient’s card: its policy decides the case';
  } else if (field.type === 'date' && !field.list) {
    input = el('input', { ...common, type: 'date' });
  } else if ((field.type === 'int' || field.type === 'decimal') && !field.list) {
    input = el('input', { ...common, type: 'number', step: field.type === 'int' ? '1' : 'any', inputmode: 'decimal' });
  } else {
    input = el('input', { ...common, type: 'text', autocomplete: 'off' });
    if (field.list) help = [help, 'Separate several with commas'].filter(Boolean).join('. ');
  }
  input.setAttribute('aria-describedby', describedBy(id, help));
  // A drop-down whose options are long takes two columns, so the chosen one shows whole.
  const long = input.tagName === 'SELECT' && [...input.options].some((o) => o.text.length > 24);
  const cell = el('div', { class: long ? 'field long' : 'field' }, el('label', { for: id }, labelText(label, suffix)), input, notes(id, help));
  const format = codeFormats[field.type];
  if (format) {
    input.setAttribute('placeholder', format.example);
    input.addEventListener('input', () => checkCode(input, cell.querySelector('.field-error'), format));
  }
  return cell;
}

// A list of enum values: one checkbox per member, and "None of these" for a list known to
// be empty (nothing checked means the list is unknown).
function checkboxGroup(field, id) {
  const en = findEnum(field.enum);
  const help = fieldHelp(field);
  const [helpNote, errorNote] = notes(id, help);
  const group = el('fieldset', { id, class: 'wide', 'data-checks': field.name, 'aria-describedby': describedBy(id, help) },
    el('legend', { text: fieldLabel(field) }), helpNote,
    el('div', { class: 'checks' },
      el('label', {}, el('input', { type: 'checkbox', value: noneValue, id: `${id}-none` }), 'None of these'),
      en.members.map((m) =>
        el('label', {}, el('input', { type: 'checkbox', value: m, id: `${id}-${m}` }), memberLabel(en, m)))),
    errorNote);
  group.addEventListener('change', (e) => {
    const none = e.target.value === noneValue;
    if (!e.target.checked) return;
    for (const box of group.querySelectorAll('input')) if (box !== e.target && (none || box.value === noneValue)) box.checked = false;
  });
  return group;
}

// The checked members of a checkbox group: undefined (unknown), [] (none) or the members.
function readChecks(group) {
  const checked = [...group.querySelectorAll('input:checked')].map((c) => c.value);
  if (checked.includes(noneValue)) return [];
  return checked.length ? checked : undefined;
}

function recordFields(record, idPrefix, suffix = '') {
  return record.fields.filter((f) => !f.derived).map((f) => {
    const id = `${idPrefix}-${f.name}`;
    if (f.type === 'enum' && f.list) return checkboxGroup(f, id);
    if (f.type === 'record' && !f.list) {
      return el('fieldset', { class: 'wide', id }, el('legend', { text: fieldLabel(f) }),
        el('div', { class: 'grid' }, recordFields(findRecord(f.record), id, suffix)));
    }
    if (f.type === 'record') return null;  // lists of records nested in records: use the YAML tab
    return scalarInput(f, id, suffix);
  });
}

// A list of records: one card per element, its fields in a grid that wraps, so five
// treatments fit any window; each field's accessible name says which element it is in.
function rowList(field) {
  const record = findRecord(field.record);
  const one = singular(field.name).replace(/_/g, ' ');
  const list = el('div', { class: 'rows-list', 'data-rows': field.name });
  const renumber = () => {
    [...list.children].forEach((card, i) => {
      card.querySelector('legend').textContent = `${capital(one)} ${i + 1}`;
      for (const s of card.querySelectorAll('[data-suffix]')) s.textContent = ` (${one} ${i + 1})`;
      card.querySelector('.remove').setAttribute('aria-label', `Remove ${one} ${i + 1}`);
    });
  };
  const add = () => {
    const n = (state.rowCounters.get(field.name) || 0) + 1;
    state.rowCounters.set(field.name, n);
    const position = list.children.length + 1;
    const prefix = `f-${field.name}-${n}`;
    const card = el('fieldset', { class: 'row', 'data-row': field.name, 'data-prefix': prefix },
      el('legend', { text: `${capital(one)} ${position}` }),
      el('div', { class: 'grid' }, recordFields(record, prefix, `(${one} ${position})`)),
      el('div', { class: 'row-actions' }, el('button', {
        type: 'button', class: 'remove', text: 'Remove', 'aria-label': `Remove ${one} ${position}`,
        onclick: () => { card.remove(); renumber(); addButton.focus(); },
      })));
    list.append(card);
    card.querySelector('input, select').focus();
  };
  const addButton = el('button', { type: 'button', text: `Add ${one}`, onclick: add });
  const help = fieldHelp(field);
  return el('fieldset', { id: `f-${field.name}` }, el('legend', { text: fieldLabel(field) }),
    help ? el('p', { class: 'hint', text: help }) : null, list, addButton);
}

function buildForm() {
  const root = findRecord(state.schema.root);
  const container = document.getElementById('form-fields');
  container.replaceChildren();
  const fields = root.fields.filter((f) => !f.derived);
  const scalars = fields.filter((f) => f.type !== 'record' && !(f.type === 'enum' && f.list));
  container.append(el('fieldset', {}, el('legend', { text: 'Case' }),
    el('div', { class: 'grid' }, scalars.map((f) => scalarInput(f, `f-${f.name}`)))));
  // The patient and the plan first (who pays decides which policy applies), then the request.
  const order = ['patient', 'plan', 'request'];
  const records = fields.filter((f) => f.type === 'record' && !f.list)
    .sort((a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99));
  for (const f of records) {
    container.append(el('fieldset', {}, el('legend', { text: fieldLabel(f) }),
      el('div', { class: 'grid' }, recordFields(findRecord(f.record), `f-${f.name}`))));
  }
  for (const f of fields.filter((g) => g.type === 'record' && g.list)) container.append(rowList(f));
  for (const f of fields.filter((g) => g.type === 'enum' && g.list)) container.append(checkboxGroup(f, `f-${f.name}`));
}

// ---- Reading the form into a case object (unknown fields are left out) -------------------

function readValue(node) {
  if (node.dataset.type === 'bool' && node.tagName === 'FIELDSET') {
    const checked = node.querySelector('input:checked');
    return !checked || checked.value === '' ? undefined : checked.value === 'true';
  }
  const raw = node.value.trim();
  if (raw === '') return undefined;
  const type = node.dataset.type;
  if (node.dataset.list === 'true') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (type === 'int') return Number.parseInt(raw, 10);
  if (type === 'decimal') return Number(raw);
  return raw;
}

// `paths` records which element each sent field came from, so an error about
// `treatments[1].end` can be shown at that input.
function readRecord(record, idPrefix, path, paths) {
  const out = {};
  for (const f of record.fields.filter((g) => !g.derived)) {
    const id = `${idPrefix}-${f.name}`;
    const at = path ? `${path}.${f.name}` : f.name;
    if (f.type === 'record') {
      if (f.list) continue;
      const rec = readRecord(findRecord(f.record), id, at, paths);
      if (Object.keys(rec).length) out[f.name] = rec;
      paths.set(at, id);
      continue;
    }
    const node = document.getElementById(id);
    if (!node) continue;
    const v = f.type === 'enum' && f.list ? readChecks(node) : readValue(node);
    if (v === undefined) continue;
    out[f.name] = v;
    paths.set(at, id);
  }
  return out;
}

function readForm() {
  const root = findRecord(state.schema.root);
  const paths = new Map();
  const data = {};
  for (const f of root.fields.filter((g) => !g.derived)) {
    if (f.type === 'record' && !f.list) {
      const rec = readRecord(findRecord(f.record), `f-${f.name}`, f.name, paths);
      if (Object.keys(rec).length) data[f.name] = rec;
      paths.set(f.name, `f-${f.name}`);
    } else if (f.type === 'record' && f.list) {
      const record = findRecord(f.record);
      const rows = [];
      for (const card of document.querySelectorAll(`fieldset[data-row="${f.name}"]`)) {
        const rowPaths = new Map();
        const rec = readRecord(record, card.dataset.prefix, `${f.name}[${rows.length}]`, rowPaths);
        if (!Object.keys(rec).length) continue;
        for (const [k, v] of rowPaths) paths.set(k, v);
        paths.set(`${f.name}[${rows.length}]`, card.dataset.prefix);
        card.id = card.dataset.prefix;
        rows.push(rec);
      }
      if (rows.length) data[f.name] = rows;
      paths.set(f.name, `f-${f.name}`);
    } else if (f.type === 'enum' && f.list) {
      const checked = readChecks(document.getElementById(`f-${f.name}`));
      if (checked) data[f.name] = checked;
      paths.set(f.name, `f-${f.name}`);
    } else {
      const v = readValue(document.getElementById(`f-${f.name}`));
      if (v !== undefined) data[f.name] = v;
      paths.set(f.name, `f-${f.name}`);
    }
  }
  return { data, paths };
}

// ---- Talking to the server ---------------------------------------------------------------

async function post(url, last) {
  const response = await api(url, { method: 'POST', headers: { 'Content-Type': last.type }, body: last.body });
  return { response, answer: await response.json() };
}

async function submitCase(last) {
  state.last = last;
  clearFieldErrors();
  const params = new URLSearchParams({ trace: 'true' });
  if (last.asOf) params.set('as_of', last.asOf);
  const result = document.getElementById('result');
  result.replaceChildren(el('p', { class: 'muted', text: 'Checking…' }));
  let r;
  try {
    r = await post(`/v1/check?${params}`, last);
  } catch (e) {
    showError({ message: `The server could not be reached: ${e.message}` });
    return;
  }
  if (!r.response.ok) {
    showError(r.answer, last);
    return;
  }
  showAnswer(r.answer);
  document.getElementById('answer').focus();
}

async function compareCase(last) {
  state.last = last;
  clearFieldErrors();
  const params = new URLSearchParams();
  if (last.asOf) params.set('as_of', last.asOf);
  const result = document.getElementById('result');
  result.replaceChildren(el('p', { class: 'muted', text: 'Asking every payer…' }));
  let r;
  try {
    r = await post(`/v1/compare?${params}`, last);
  } catch (e) {
    showError({ message: `The server could not be reached: ${e.message}` });
    return;
  }
  if (!r.response.ok) {
    showError(r.answer, last);
    return;
  }
  showCompare(r.answer);
  document.getElementById('answer').focus();
}

// The printable summary of the last case, in a new tab (a form post: the summary is a page
// of its own, with its own print stylesheet).
function printSummary() {
  if (!state.last) return;
  if (sessionStorage.getItem(apiKeyItem)) {
    // A server with API keys: a form post cannot carry the key, so the summary is fetched with
    // it and shown from memory in the tab opened now (while the click still allows a new tab).
    const tab = window.open('', '_blank');
    const params = new URLSearchParams();
    if (state.last.asOf) params.set('as_of', state.last.asOf);
    api(`/v1/summary?${params}`, { method: 'POST', headers: { 'Content-Type': state.last.type }, body: state.last.body })
      .then((r) => r.text())
      .then((html) => {
        const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
        if (tab) tab.location = url;
        else window.location = url;
      });
    return;
  }
  document.getElementById('summary-case').value = state.last.body;
  document.getElementById('summary-as-of').value = state.last.asOf || '';
  document.getElementById('summary-form').submit();
}

// ---- Errors at the fields they concern ---------------------------------------------------

function clearFieldErrors() {
  for (const n of document.querySelectorAll('.field-error')) n.textContent = '';
  for (const n of document.querySelectorAll('#case-form [aria-invalid=true]')) n.removeAttribute('aria-invalid');
}

// The element a diagnostic's field path names: the field itself, else the nearest enclosing
// element that was sent (a list element's card, a record's group).
function elementFor(path, paths) {
  let p = path;
  while (p) {
    const id = paths.get(p);
    if (id && document.getElementById(id)) return document.getElementById(id);
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
  return null;
}

function focusTarget(node) {
  if (node.matches('input, select, textarea')) return node;
  return node.querySelector('input:checked, input, select, textarea') || node;
}

// Marks each field an error names and puts the message under it; returns the first field.
function showFieldErrors(diagnostics, paths) {
  let first = null;
  for (const d of diagnostics) {
    if (!d.field || d.severity !== 'error') continue;
    const node = elementFor(d.field, paths);
    if (!node) continue;
    const target = focusTarget(node);
    target.setAttribute('aria-invalid', 'true');
    const note = document.getElementById(`${node.id}-error`) || node.querySelector('.field-error');
    if (note) note.textContent = [note.textContent, d.message + (d.help ? ` (${d.help})` : '')].filter(Boolean).join('; ');
    if (!first) first = target;
  }
  return first;
}

function showError(answer, last) {
  const result = document.getElementById('result');
  const box = el('div', { class: 'error-box', role: 'alert' },
    el('h3', { text: answer.error === 'invalid_case' ? 'The case has errors' : 'The case could not be checked' }),
    el('p', { text: answer.message || 'Unknown error' }));
  const fromForm = last && last.fromForm;
  const first = fromForm ? showFieldErrors(answer.diagnostics || [], last.paths) : null;
  if (Array.isArray(answer.diagnostics) && answer.diagnostics.length) {
    box.append(el('ul', {}, answer.diagnostics.map((d) => {
      const node = fromForm && d.field ? elementFor(d.field, last.paths) : null;
      return el('li', {},
        el('strong', { text: `${capital(d.severity)}: ` }), d.message,
        d.help ? el('span', { class: 'muted', text: ` (${d.help})` }) : null,
        // A pasted case is text the user wrote: its line and column mean something there.
        !fromForm && d.line ? el('span', { class: 'muted', text: ` (line ${d.line}, column ${d.column})` }) : null,
        !fromForm && d.field ? [' ', el('code', { text: d.field })] : null,
        node ? [' ', el('button', { type: 'button', class: 'link', text: 'Go to the field',
          onclick: () => focusTarget(node).focus() })] : null);
    })));
  }
  result.replaceChildren(box);
  if (first) first.focus();
  else document.getElementById('answer').focus();
}

// ---- Showing the answer ------------------------------------------------------------------

const decisionWords = {
  covered: ['✓ Covered', 'The rules grant coverage for this case.'],
  pend: ['… Pending: more information needed', 'The answer depends on facts or documents the case does not give yet: the checklist says which.'],
  denied: ['✗ Denied', 'The case does not meet the policy’s criteria: the checklist shows which, the next steps what would change that.'],
  excluded: ['⛔ Excluded', 'The plan does not cover this service for this use; medical-necessity evidence does not change it.'],
};

const statusWords = { met: 'Met', not_met: 'Not met', unknown: 'Unknown', not_applicable: 'Does not apply' };

function sourceLink(at, label) {
  const m = /^(.*):(\d+):(\d+)$/.exec(at || '');
  if (!m) return document.createTextNode(at || '');
  const url = state.fileUrls.get(m[1]);
  if (!url) return el('code', { text: at });
  return el('a', {
    href: `${url}#L${m[2]}`, text: label || at,
    onclick: (e) => { e.preventDefault(); showSource(url, m[1], Number(m[2])); },
  });
}

// A sub-expression and, folded, the ones below it (a quantifier's elements): a rule's trace
// opens one level at a time.
function treeNode(node) {
  const line = [el('code', { text: node.expr }), ' = ', el('span', { class: 'value', text: node.value }),
    node.note ? el('span', { class: 'muted', text: ` (${node.note})` }) : null,
    node.fact ? el('span', { class: 'muted', text: ` [${node.fact}]` }) : null];
  const items = (node.children || []).map(treeNode);
  if (node.omitted) items.push(omittedItem(node.omitted));
  if (!items.length) return el('li', {}, line);
  return el('li', {}, el('details', {}, el('summary', {}, line), el('ul', { class: 'tree' }, items)));
}

// A quantifier's elements the trace leaves out (docs/trace.md), as the text trace says it:
// "… 199,995 more: 199,995 rejected (t.class in antidepressant is false), 0 undecided".
function omittedItem(o) {
  const reasons = Object.fromEntries((o.reasons || []).map((r) => [r.outcome, r]));
  const parts = Object.entries(o)
    .filter(([k, n]) => k !== 'elements' && k !== 'reasons' && (n > 0 || k === 'undecided'))
    .map(([k, n]) => `${n.toLocaleString('en-US')} ${k}` +
      (reasons[k] ? ` (${reasons[k].expr} is ${reasons[k].value})` : ''));
  return el('li', { class: 'muted', text: `\u2026 ${o.elements.toLocaleString('en-US')} more: ${parts.join(', ')}` });
}

function traceRule(rule) {
  const details = el('details', { 'data-rule': rule.rule },
    el('summary', {},
      el('strong', { text: rule.rule }), ` ${rule.title ? '— ' + rule.title : ''} `,
      el('span', { class: `applied-${rule.applied}`, text: `applied: ${rule.applied}; outcome: ${rule.outcome}` }),
      rule.in_force ? null : el('span', { class: 'muted', text: ' (not in force)' })),
    el('p', {}, 'Rule text: ', sourceLink(rule.at)));
  if (rule.overridden_by && rule.overridden_by.length) details.append(el('p', { text: `Overridden by ${rule.overridden_by.join(', ')}` }));
  if (rule.when) details.append(el('h4', { text: 'When' }), el('ul', { class: 'tree' }, treeNode(rule.when)));
  if (rule.criteria && rule.criteria.length) {
    details.append(el('h4', { text: 'Criteria' }), el('ul', { class: 'tree' }, rule.criteria.map((c) => {
      const li = el('li', {}, el('span', { class: 'value', text: `${c.result}: ` }), c.text,
        c.cite ? el('span', { class: 'muted', text: ` (${c.cite}) ` }) : ' ', sourceLink(c.at, 'source'));
      if (c.detail) li.append(el('ul', { class: 'tree' }, treeNode(c.detail)));
      return li;
    })));
  }
  return details;
}

// Every path and restriction that applies or may apply, each criterion with its status in
// words; those that do not apply are counted.
function checklistView(a) {
  const entries = (a.checklist || []).filter((e) => e.applies !== false);
  const skipped = (a.checklist || []).length - entries.length;
  const view = el('div', { id: 'checklist' }, entries.map((e) => el('section', { class: 'entry', 'data-rule': e.rule },
    el('h4', { text: `${e.title || e.rule}${e.cite ? ` (${e.cite})` : ''}` }),
    el('p', { class: 'muted', text: `${capital(e.section)} · ${e.applies === 'unknown' ? 'may apply' : 'applies'}` }),
    el('ul', { class: 'criteria' }, e.criteria.length ? e.criteria.map((c) => el('li', { 'data-status': c.status },
      el('span', { class: `status status-${c.status}`, text: statusWords[c.status] || c.status }),
      el('div', {}, el('span', { class: 'criterion-text', text: c.text }),
        c.cite ? el('span', { class: 'muted', text: ` (${c.cite})` }) : null,
        (c.missing || []).length ? el('div', { class: 'evidence', text: `Missing: ${c.missing.join(', ')}` }) : null)))
      // A restriction without criteria: it applies as a whole (a coding or filing problem).
      : el('li', { 'data-status': 'applies' }, el('span', { class: 'status status-applies', text: 'Applies' }),
        el('div', { text: 'This rule applies to the case: see why below.' }))))));
  if (!entries.length) view.append(el('p', { class: 'muted', text: 'No coverage path or restriction applies.' }));
  if (skipped) view.append(el('p', { class: 'muted', text: `${skipped} other restriction${skipped === 1 ? ' does' : 's do'} not apply.` }));
  return view;
}

function showAnswer(a) {
  const [word, meaning] = decisionWords[a.decision] || [a.decision, ''];
  const policy = (a.policies || []).find((p) => p.kind === 'policy');
  const auth = a.authorization ? Object.entries(a.authorization).map(([k, v]) => `${v} ${k}`).join(', ') : null;
  const pa = a.prior_auth === true ? 'Required' : a.prior_auth === false ? 'Not required' : 'Unknown (missing information)';
  const payer = a.payer ? state.payers.find((p) => p.id === a.payer) : null;
  const parts = [
    el('div', { class: `decision decision-${a.decision}`, id: 'decision', 'data-decision': a.decision },
      el('div', { class: 'word', text: word }), el('p', { text: meaning })),
    el('dl', { class: 'summary' },
      el('dt', { text: 'Case' }), el('dd', { text: a.case || '(no id)' }),
      payer ? [el('dt', { text: 'Payer' }), el('dd', { id: 'payer', text: `${payer.name}${payer.state ? ` (${payer.state})` : ''}` })] : null,
      el('dt', { text: 'Policy' }), el('dd', { id: 'policy', text: policy ? `${policy.name} ${policy.version}` : 'none in force' }),
      el('dt', { text: 'Prior authorization' }), el('dd', { id: 'prior-auth', text: pa }),
      el('dt', { text: 'Benefit' }), el('dd', { id: 'benefit', text: a.benefit ? words(a.benefit) : a.benefit_conflict ? `conflict: ${a.benefit_conflict.join(', ')}` : 'not routed' }),
      auth ? [el('dt', { text: 'Authorization' }), el('dd', { text: auth })] : null),
    el('p', { class: 'no-print' }, el('button', { type: 'button', id: 'print-summary', text: 'Print summary', onclick: printSummary }),
      el('span', { class: 'muted', text: ' opens the summary to attach to the prior-authorization request in a new tab.' })),
    el('h3', { text: 'Checklist' }), checklistView(a),
  ];
  const items = [];
  for (const r of a.requirements || []) {
    if (r.status === 'present') continue;
    items.push(el('li', {}, el('span', { class: `status status-${r.status}`, text: r.status === 'missing' ? 'Missing: ' : 'Not known: ' }),
      capital(words(r.item))));
  }
  for (const m of a.missing || []) items.push(el('li', {}, 'Provide ', el('code', { text: m.fact })));
  parts.push(el('h3', { text: 'Missing documents and information' }),
    items.length ? el('ul', { id: 'missing' }, items) : el('p', { class: 'muted', text: 'Nothing is missing.' }));
  parts.push(el('h3', { text: 'Next steps' }),
    (a.next_steps || []).length ? el('ol', { id: 'next-steps' }, a.next_steps.map((s) => el('li', { text: s }))) : el('p', { class: 'muted', text: 'None.' }));
  if ((a.reasons || []).length) {
    parts.push(el('h3', { text: 'Why' }), el('ul', {}, a.reasons.map((r) => el('li', {},
      r.decisive ? el('strong', { text: 'Decisive: ' }) : null, `${r.message} `,
      r.cite ? el('span', { class: 'muted', text: `(${r.cite}) ` }) : null, sourceLink(r.at, 'rule text')))));
  }
  if ((a.warnings || []).length) {
    parts.push(el('h3', { text: 'Warnings about the case' }), el('ul', {}, a.warnings.map((w) => el('li', { text: w.message }))));
  }
  if ((a.trace || []).length) {
    parts.push(el('h3', { text: 'How each rule was evaluated' }),
      el('p', { class: 'muted', text: 'For analysts: open a rule, then a line, to see the values the rules read.' }),
      el('div', { class: 'trace', id: 'trace' }, a.trace.map(traceRule)));
  }
  document.getElementById('result').replaceChildren(...parts);
}

// Every payer's answer for the case, side by side, and the shortest path to coverage.
function showCompare(report) {
  const name = (id) => {
    const p = state.payers.find((x) => x.id === id);
    return p ? `${p.name}${p.state ? ` (${p.state})` : ''}${p.plan_type ? ` (${words(p.plan_type)})` : ''}` : id;
  };
  const sp = report.shortest_path || {};
  let path = 'No payer covers this case as it stands.';
  if ((sp.covered_by || []).length) path = `Covered by: ${sp.covered_by.map(name).join(', ')}.`;
  else if (sp.closest) path = `Closest to coverage: ${name(sp.closest)}, missing ${(sp.gaps || []).length} item(s): ${(sp.gaps || []).join('; ')}.`;
  const cards = report.sets.map((s) => {
    const decision = s.error ? 'error' : s.decision;
    const word = s.error ? 'Could not be decided'
      : s.addressed === false ? 'Not addressed by this policy' : (decisionWords[s.decision] || [s.decision])[0];
    return el('article', { class: `decision-${decision}`, 'data-payer': s.name, 'data-decision': decision },
      el('h4', { text: name(s.name) }),
      el('p', {}, el('span', { class: 'decision-word', text: word })),
      el('dl', { class: 'summary' },
        s.policy ? [el('dt', { text: 'Policy' }), el('dd', { text: s.policy })] : null,
        s.error ? [el('dt', { text: 'Error' }), el('dd', { text: s.error })] : null,
        !s.error ? [el('dt', { text: 'Prior authorization' }),
          el('dd', { text: s.prior_auth === true ? 'Required' : s.prior_auth === false ? 'Not required' : 'Unknown' })] : null,
        s.reason && s.reason.message ? [el('dt', { text: 'Why' }), el('dd', { text: s.reason.message })] : null),
      (s.next_steps || []).length ? el('ul', {}, s.next_steps.map((t) => el('li', { text: t }))) : null);
  });
  document.getElementById('result').replaceChildren(
    el('h3', { text: 'Every payer side by side' }),
    el('p', { id: 'shortest-path', text: path }),
    el('div', { class: 'compare', id: 'compare' }, cards));
}

// ---- Rule source viewer -------------------------------------------------------------------

async function showSource(url, path, line) {
  const dialog = document.getElementById('source-dialog');
  const pre = document.getElementById('source-text');
  document.getElementById('source-title').textContent = `${path}, line ${line}`;
  pre.replaceChildren(el('span', { class: 'muted', text: 'Loading…' }));
  dialog.showModal();
  try {
    const text = await (await api(url)).text();
    const lines = text.split('\n').map((t, i) => el('span', { class: i + 1 === line ? 'line hit' : 'line', 'data-n': String(i + 1), text: t }));
    pre.replaceChildren(...lines);
    const hit = pre.querySelector('.hit');
    if (hit) hit.scrollIntoView({ block: 'center' });
  } catch (e) {
    pre.textContent = `Could not load the rule text: ${e.message}`;
  }
}

// ---- Tabs, uploads, start-up --------------------------------------------------------------

function selectTab(tab) {
  for (const t of document.querySelectorAll('[role=tab]')) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
  tab.focus();
}

function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight') selectTab(tabs[(i + 1) % tabs.length]);
      if (e.key === 'ArrowLeft') selectTab(tabs[(i + tabs.length - 1) % tabs.length]);
    });
  });
}

function formCase() {
  const { data, paths } = readForm();
  return { body: JSON.stringify(data), type: 'application/json', asOf: document.getElementById('as-of-form').value, fromForm: true, paths };
}

async function start() {
  setUpTabs();
  document.getElementById('source-close').addEventListener('click', () => document.getElementById('source-dialog').close());
  document.getElementById('case-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) document.getElementById('case-text').value = await file.text();
  });
  document.getElementById('case-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submitCase(formCase());
  });
  document.getElementById('compare-button').addEventListener('click', () => compareCase(formCase()));
  document.getElementById('case-form').addEventListener('reset', () => {
    for (const list of document.querySelectorAll('.rows-list')) list.replaceChildren();
    clearFieldErrors();
  });
  document.getElementById('text-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = document.getElementById('case-text').value;
    const type = text.trimStart().startsWith('{') ? 'application/json' : 'application/yaml';
    submitCase({ body: text, type, asOf: document.getElementById('as-of-text').value, fromForm: false });
  });

  // One after the other, so that a server with API keys asks for the key once.
  const schema = await api('/v1/schema').then((r) => r.json());
  const policies = await api('/v1/policies').then((r) => r.json());
  const payers = await api('/v1/payers').then((r) => r.json());
  state.schema = schema;
  state.policies = policies.policies;
  state.payers = payers.payers || [];
  for (const p of state.policies) for (const f of p.files) if (!state.fileUrls.has(f.path)) state.fileUrls.set(f.path, f.url);
  const known = state.policies.filter((p) => p.kind === 'policy').map((p) => `${p.name}${p.version ? ' ' + p.version : ''}`);
  document.getElementById('loaded').textContent = state.payers.length
    ? `Payers: ${[...new Set(state.payers.map((p) => p.name))].join(', ')}. Policies loaded: ${known.join(', ')}`
    : `Rules loaded: ${state.policies.map((p) => `${p.name}${p.version ? ' ' + p.version : ''}`).join(', ')}`;
  document.getElementById('compare-button').hidden = state.payers.length === 0;
  buildForm();
  document.body.dataset.ready = 'true';
}

start().catch((e) => showError({ message: `The page could not start: ${e.message}` }));
