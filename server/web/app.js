// The pre-screening page: builds the case form from GET /v1/schema, sends the case to
// POST /v1/check, and shows the answer with its trace linked to the rule text
// (GET /v1/policies/.../files/...). Everything is built with DOM calls and textContent:
// no server or case text is ever parsed as HTML.
'use strict';

const state = { schema: null, policies: [], fileUrls: new Map(), rowCounters: new Map() };

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

function humanize(name) {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
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

function checkCode(input, hint, format) {
  const values = input.value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = values.filter((v) => !format.re.test(v));
  if (bad.length === 0) {
    input.removeAttribute('aria-invalid');
    hint.textContent = values.length ? `Valid ${format.name} format` : '';
    hint.className = 'hint';
  } else {
    input.setAttribute('aria-invalid', 'true');
    hint.textContent = `${bad[0]} is not a ${format.name} code (like ${format.example})`;
    hint.className = 'hint error';
  }
}

// ---- The form, generated from the schema -------------------------------------------------

function findRecord(name) { return state.schema.records.find((r) => r.name === name); }
function findEnum(name) { return state.schema.enums.find((e) => e.name === name); }

// One input for a scalar (or list-of-scalar) field. `id` is unique in the page; `path`
// says where the value goes in the case object.
function scalarInput(field, id, label) {
  const hintId = id + '-hint';
  const common = { id, 'data-type': field.type, 'data-list': field.list ? 'true' : null, 'aria-describedby': hintId };
  let input;
  let hintText = '';
  if (field.type === 'enum' && !field.list) {
    const en = findEnum(field.enum);
    input = el('select', common, el('option', { value: '', text: '(not known)' }),
      en.members.map((m) => el('option', { value: m, text: m.replace(/_/g, ' ') })));
  } else if (field.type === 'bool') {
    input = el('select', common, el('option', { value: '', text: '(not known)' }),
      el('option', { value: 'true', text: 'yes' }), el('option', { value: 'false', text: 'no' }));
  } else if (field.type === 'date' && !field.list) {
    input = el('input', { ...common, type: 'date' });
  } else if ((field.type === 'int' || field.type === 'decimal') && !field.list) {
    input = el('input', { ...common, type: 'number', step: field.type === 'int' ? '1' : 'any', inputmode: 'numeric' });
  } else {
    input = el('input', { ...common, type: 'text', autocomplete: 'off' });
    if (field.list) hintText = 'Separate several with commas';
  }
  const hint = el('div', { class: 'hint', id: hintId, text: hintText });
  const format = codeFormats[field.type];
  if (format) {
    input.setAttribute('placeholder', format.example);
    input.addEventListener('input', () => checkCode(input, hint, format));
  }
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), input, hint);
}

// A list of enum values: one checkbox per member, and "None of these" for a list known to
// be empty (nothing checked means the list is unknown).
function checkboxGroup(field, id) {
  const en = findEnum(field.enum);
  const group = el('fieldset', { id, 'data-checks': field.name },
    el('legend', { text: humanize(field.name) }),
    el('div', { class: 'checks' },
      el('label', {}, el('input', { type: 'checkbox', value: noneValue, id: `${id}-none` }), 'None of these'),
      en.members.map((m) =>
        el('label', {}, el('input', { type: 'checkbox', value: m, id: `${id}-${m}` }), m.replace(/_/g, ' ')))));
  group.addEventListener('change', (e) => {
    const none = e.target.value === noneValue;
    if (!e.target.checked) return;
    for (const box of group.querySelectorAll('input')) if (box !== e.target && (none || box.value === noneValue)) box.checked = false;
  });
  return group;
}

const noneValue = '__none__';

// The checked members of a checkbox group: undefined (unknown), [] (none) or the members.
function readChecks(group) {
  const checked = [...group.querySelectorAll('input:checked')].map((c) => c.value);
  if (checked.includes(noneValue)) return [];
  return checked.length ? checked : undefined;
}

function recordFields(record, idPrefix, labelSuffix = '') {
  return record.fields.filter((f) => !f.derived).map((f) => {
    const id = `${idPrefix}-${f.name}`;
    if (f.type === 'enum' && f.list) return checkboxGroup(f, id);
    if (f.type === 'record' && !f.list) {
      return el('fieldset', { class: 'nested' }, el('legend', { text: humanize(f.name) }),
        el('div', { class: 'grid' }, recordFields(findRecord(f.record), id, labelSuffix)));
    }
    if (f.type === 'record') return null;  // lists of records nested in records: use the YAML tab
    return scalarInput(f, id, humanize(f.name) + labelSuffix);
  });
}

// A list of records: a table of rows with Add and Remove buttons.
function rowTable(field) {
  const record = findRecord(field.record);
  const fields = record.fields.filter((f) => !f.derived);
  const tbody = el('tbody');
  const one = singular(field.name).replace(/_/g, ' ');
  const table = el('table', { class: 'rows', 'data-rows': field.name },
    el('thead', {}, el('tr', {}, fields.map((f) => el('th', { scope: 'col', text: humanize(f.name) })), el('th', {}))),
    tbody);
  const add = () => {
    const n = (state.rowCounters.get(field.name) || 0) + 1;
    state.rowCounters.set(field.name, n);
    const position = tbody.children.length + 1;
    const tr = el('tr', { 'data-row': field.name });
    for (const f of fields) {
      const id = `f-${field.name}-${n}-${f.name}`;
      const cell = scalarInput(f, id, `${humanize(f.name)} (${one} ${position})`);
      cell.querySelector('label').className = 'visually-hidden';
      cell.querySelector('label').hidden = true;
      cell.querySelector('input, select').setAttribute('aria-label', `${humanize(f.name)} (${one} ${position})`);
      tr.append(el('td', {}, cell));
    }
    tr.append(el('td', {}, el('button', {
      type: 'button', text: 'Remove', 'aria-label': `Remove ${one} ${position}`,
      onclick: () => { tr.remove(); addButton.focus(); },
    })));
    tbody.append(tr);
    tr.querySelector('input, select').focus();
  };
  const addButton = el('button', { type: 'button', text: `Add ${one}`, onclick: add });
  return el('fieldset', {}, el('legend', { text: humanize(field.name) }), table, addButton);
}

function buildForm() {
  const root = findRecord(state.schema.root);
  const container = document.getElementById('form-fields');
  container.replaceChildren();
  const scalars = root.fields.filter((f) => !f.derived && f.type !== 'record' && !(f.type === 'enum' && f.list));
  container.append(el('fieldset', {}, el('legend', { text: 'Case' }),
    el('div', { class: 'grid' }, scalars.map((f) => scalarInput(f, `f-${f.name}`, humanize(f.name))))));
  // The request first: what is being asked for matters most at the desk.
  const records = root.fields.filter((f) => !f.derived && f.type === 'record' && !f.list)
    .sort((a, b) => (a.name === 'request' ? -1 : b.name === 'request' ? 1 : 0));
  for (const f of records) {
    container.append(el('fieldset', {}, el('legend', { text: humanize(f.name) }),
      el('div', { class: 'grid' }, recordFields(findRecord(f.record), `f-${f.name}`))));
  }
  for (const f of root.fields.filter((g) => !g.derived && g.type === 'record' && g.list)) container.append(rowTable(f));
  for (const f of root.fields.filter((g) => !g.derived && g.type === 'enum' && g.list)) container.append(checkboxGroup(f, `f-${f.name}`));
}

// ---- Reading the form into a case object (empty fields are left out: unknown) ----------

function readValue(input) {
  const raw = input.value.trim();
  if (raw === '') return undefined;
  const type = input.dataset.type;
  if (input.dataset.list === 'true') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (type === 'bool') return raw === 'true';
  if (type === 'int') return Number.parseInt(raw, 10);
  if (type === 'decimal') return Number(raw);
  return raw;
}

function readRecord(record, idPrefix) {
  const out = {};
  for (const f of record.fields.filter((g) => !g.derived)) {
    const id = `${idPrefix}-${f.name}`;
    if (f.type === 'enum' && f.list) {
      const checked = readChecks(document.getElementById(id));
      if (checked) out[f.name] = checked;
      continue;
    }
    if (f.type === 'record') {
      if (f.list) continue;
      const rec = readRecord(findRecord(f.record), id);
      if (Object.keys(rec).length) out[f.name] = rec;
      continue;
    }
    const input = document.getElementById(id);
    const v = input ? readValue(input) : undefined;
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

function readForm() {
  const root = findRecord(state.schema.root);
  const data = {};
  for (const f of root.fields.filter((g) => !g.derived)) {
    if (f.type === 'record' && !f.list) {
      const rec = readRecord(findRecord(f.record), `f-${f.name}`);
      if (Object.keys(rec).length) data[f.name] = rec;
    } else if (f.type === 'record' && f.list) {
      const record = findRecord(f.record);
      const rows = [];
      for (const tr of document.querySelectorAll(`tr[data-row="${f.name}"]`)) {
        const prefix = tr.querySelector('input, select').id.replace(/-[^-]+$/, '');
        const rec = readRecord(record, prefix);
        if (Object.keys(rec).length) rows.push(rec);
      }
      if (rows.length) data[f.name] = rows;
    } else if (f.type === 'enum' && f.list) {
      const checked = readChecks(document.getElementById(`f-${f.name}`));
      if (checked) data[f.name] = checked;
    } else {
      const v = readValue(document.getElementById(`f-${f.name}`));
      if (v !== undefined) data[f.name] = v;
    }
  }
  return data;
}

// ---- Talking to the server ---------------------------------------------------------------

async function submitCase(body, contentType, asOf) {
  const params = new URLSearchParams({ trace: 'true' });
  if (asOf) params.set('as_of', asOf);
  const result = document.getElementById('result');
  result.replaceChildren(el('p', { class: 'muted', text: 'Checking…' }));
  let response;
  let answer;
  try {
    response = await api(`/v1/check?${params}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
    answer = await response.json();
  } catch (e) {
    showError({ message: `The server could not be reached: ${e.message}` });
    return;
  }
  if (!response.ok) showError(answer);
  else showAnswer(answer);
  document.getElementById('answer').focus();
}

// ---- Showing the answer ------------------------------------------------------------------

const decisionWords = {
  covered: ['✓ Covered', 'The rules grant coverage for this case.'],
  pend: ['… Pending: more information needed', 'The answer depends on facts or documents the case does not give yet. See what is missing below.'],
  denied: ['✗ Denied', 'The case does not meet the policy’s criteria. The next steps say what would change that.'],
  excluded: ['⛔ Excluded', 'The plan does not cover this service for this use; medical-necessity evidence does not change it.'],
};

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

function showError(answer) {
  const result = document.getElementById('result');
  const box = el('div', { class: 'error-box', role: 'alert' },
    el('h3', { text: answer.error === 'invalid_case' ? 'The case has errors' : 'The case could not be checked' }),
    el('p', { text: answer.message || 'Unknown error' }));
  if (Array.isArray(answer.diagnostics) && answer.diagnostics.length) {
    box.append(el('ul', {}, answer.diagnostics.map((d) => el('li', {},
      el('strong', { text: `${d.severity}: ` }),
      d.field ? el('code', { text: d.field }) : null,
      d.line ? ` (line ${d.line}, column ${d.column}) ` : ' ',
      d.message, d.help ? el('span', { class: 'muted', text: ` (${d.help})` }) : null))));
  }
  result.replaceChildren(box);
}

function treeNode(node) {
  const li = el('li', {}, el('code', { text: node.expr }), ' = ', el('span', { class: 'value', text: node.value }),
    node.note ? el('span', { class: 'muted', text: ` (${node.note})` }) : null,
    node.fact ? el('span', { class: 'muted', text: ` [${node.fact}]` }) : null);
  const items = (node.children || []).map(treeNode);
  if (node.omitted) items.push(omittedItem(node.omitted));
  if (items.length) li.append(el('ul', { class: 'tree' }, items));
  return li;
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

function showAnswer(a) {
  const [word, meaning] = decisionWords[a.decision] || [a.decision, ''];
  const policy = (a.policies || []).find((p) => p.kind === 'policy');
  const auth = a.authorization ? Object.entries(a.authorization).map(([k, v]) => `${v} ${k}`).join(', ') : null;
  const pa = a.prior_auth === true ? 'Required' : a.prior_auth === false ? 'Not required' : 'Unknown (missing information)';
  const parts = [
    el('div', { class: `decision decision-${a.decision}`, id: 'decision', 'data-decision': a.decision },
      el('div', { class: 'word', text: word }), el('p', { text: meaning })),
    el('dl', { class: 'summary' },
      el('dt', { text: 'Case' }), el('dd', { text: a.case || '(no id)' }),
      el('dt', { text: 'Benefit' }), el('dd', { id: 'benefit', text: a.benefit ? a.benefit.replace(/_/g, ' ') : a.benefit_conflict ? `conflict: ${a.benefit_conflict.join(', ')}` : 'not routed' }),
      el('dt', { text: 'Prior authorization' }), el('dd', { id: 'prior-auth', text: pa }),
      auth ? [el('dt', { text: 'Authorization' }), el('dd', { text: auth })] : null,
      el('dt', { text: 'Policy' }), el('dd', { text: policy ? `${policy.name} ${policy.version}` : 'none in force' })),
  ];
  const checklist = [];
  for (const m of a.missing || []) {
    checklist.push(el('li', {}, el('span', { class: 'status-unknown', text: '☐ Provide ' }), el('code', { text: m.fact }),
      el('span', { class: 'muted', text: ` (needed by ${m.rules.join(', ')})` })));
  }
  for (const r of a.requirements || []) {
    const mark = r.status === 'present' ? '☑ ' : r.status === 'missing' ? '☒ Missing: ' : '☐ Unknown: ';
    checklist.push(el('li', {}, el('span', { class: `status-${r.status}`, text: mark }), r.item.replace(/_/g, ' '),
      el('span', { class: 'muted', text: ` (${r.rule})` })));
  }
  parts.push(el('h3', { text: 'Missing information and required documents' }),
    checklist.length ? el('ul', { class: 'checklist', id: 'checklist' }, checklist) : el('p', { class: 'muted', text: 'Nothing is missing.' }));
  parts.push(el('h3', { text: 'Next steps' }),
    (a.next_steps || []).length ? el('ol', { id: 'next-steps' }, a.next_steps.map((s) => el('li', { text: s }))) : el('p', { class: 'muted', text: 'None.' }));
  if ((a.reasons || []).length) {
    parts.push(el('h3', { text: 'Why' }), el('ul', {}, a.reasons.map((r) => el('li', {},
      r.decisive ? el('strong', { text: 'Decisive: ' }) : null, `${r.rule} (${r.effect}): ${r.message} `,
      r.cite ? el('span', { class: 'muted', text: `${r.cite} ` }) : null, sourceLink(r.at, 'rule text')))));
  }
  if ((a.warnings || []).length) {
    parts.push(el('h3', { text: 'Warnings about the case' }), el('ul', {}, a.warnings.map((w) => el('li', { text: `${w.message} (${w.at})` }))));
  }
  if ((a.trace || []).length) {
    parts.push(el('h3', { text: 'How each rule was evaluated' }),
      el('div', { class: 'trace', id: 'trace' }, a.trace.map(traceRule)));
  }
  document.getElementById('result').replaceChildren(...parts);
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

async function start() {
  setUpTabs();
  document.getElementById('source-close').addEventListener('click', () => document.getElementById('source-dialog').close());
  document.getElementById('case-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) document.getElementById('case-text').value = await file.text();
  });
  document.getElementById('case-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submitCase(JSON.stringify(readForm()), 'application/json', document.getElementById('as-of-form').value);
  });
  document.getElementById('case-form').addEventListener('reset', () => {
    for (const tbody of document.querySelectorAll('table.rows tbody')) tbody.replaceChildren();
  });
  document.getElementById('text-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = document.getElementById('case-text').value;
    const type = text.trimStart().startsWith('{') ? 'application/json' : 'application/yaml';
    submitCase(text, type, document.getElementById('as-of-text').value);
  });

  // One after the other, so that a server with API keys asks for the key once.
  const schema = await api('/v1/schema').then((r) => r.json());
  const policies = await api('/v1/policies').then((r) => r.json());
  state.schema = schema;
  state.policies = policies.policies;
  for (const p of state.policies) for (const f of p.files) if (!state.fileUrls.has(f.path)) state.fileUrls.set(f.path, f.url);
  document.getElementById('loaded').textContent = 'Rules loaded: ' +
    state.policies.map((p) => `${p.name}${p.version ? ' ' + p.version : ''}`).join(', ');
  buildForm();
  document.body.dataset.ready = 'true';
}

start().catch((e) => showError({ message: `The page could not start: ${e.message}` }));
