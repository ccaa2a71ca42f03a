-- The scripted Neovim session of tests/e2e/lsp_neovim.sh: Neovim 0.7's own LSP client
-- (vim.lsp.start_client, buf_attach_client, buf_request_sync, buf.formatting_sync,
-- vim.diagnostic.get, vim.lsp.util.apply_workspace_edit) against `covcheck lsp`, on a copy of a shipped policy. Each step
-- appends to the transcript (TRANSCRIPT) and counts a pass or a failure; exits 0 when all
-- passed, 1 otherwise. Env: COVCHECK (binary), POLICY (the .cpl file), TRANSCRIPT.
local covcheck, policy, transcript_path = os.getenv('COVCHECK'), os.getenv('POLICY'), os.getenv('TRANSCRIPT')
local transcript = assert(io.open(transcript_path, 'w'))
local passed, failed = 0, 0

local function say(line) transcript:write(line, '\n') end
local function check(name, ok, detail)
  if ok then passed = passed + 1 else failed = failed + 1 end
  say((ok and 'ok   ' or 'FAIL ') .. name .. (detail and (': ' .. detail) or ''))
end
local function finish()
  say(string.format('%d passed, %d failed', passed, failed))
  transcript:close()
  vim.cmd(failed == 0 and 'qa!' or 'cquit 1')
end

vim.cmd('edit ' .. vim.fn.fnameescape(policy))
local buf = vim.api.nvim_get_current_buf()
vim.bo[buf].filetype = 'cpl'
local client_id = vim.lsp.start_client({
  name = 'covcheck',
  cmd = { covcheck, 'lsp', '--debounce-ms', '50' },
  root_dir = vim.fn.fnamemodify(policy, ':h'),
})
check('start_client', client_id ~= nil)
vim.lsp.buf_attach_client(buf, client_id)
local ready = vim.wait(10000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end, 20)
check('initialized', ready)
say('> :edit ' .. vim.fn.fnamemodify(policy, ':t'))

-- A line and column (0-based) where `text` first appears in the buffer.
local function find(text)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(text, 1, true)
    if col then return i - 1, col - 1 end
  end
  error('not in the buffer: ' .. text)
end
local function request(method, line, col, extra)
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
  for k, v in pairs(extra or {}) do params[k] = v end
  local answers = vim.lsp.buf_request_sync(buf, method, params, 5000)
  local answer = answers and answers[client_id]
  return answer and answer.result, answer and answer.err
end
local function diagnostics_with(code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then table.insert(found, d) end
  end
  return found
end

-- 1. Diagnostics: the shipped file is clean; a typo in a field is reported with its fix.
vim.wait(3000, function() return false end, 200)  -- the first publish
check('clean file has no errors', #vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR }) == 0)
local line, col = find('request.service == esketamine_nasal')
vim.api.nvim_buf_set_text(buf, line, col + 8, line, col + 15, { 'servce' })
say('> change `request.service` to `request.servce` on line ' .. (line + 1))
local got = vim.wait(5000, function() return #diagnostics_with('check.unknown_field') > 0 end, 20)
check('diagnostic for the typo', got)
for _, d in ipairs(diagnostics_with('check.unknown_field')) do
  say(string.format('  %d:%d %s [%s] %s', d.lnum + 1, d.col + 1, vim.diagnostic.severity[d.severity], d.code,
                    d.message:gsub('\n', ' | ')))
  check('diagnostic position', d.lnum == line and d.col == col + 8, d.lnum .. ':' .. d.col)
  check('diagnostic help', d.message:find('did you mean `service`?', 1, true) ~= nil)
end

-- 2. Code action: the did-you-mean fix, applied through Neovim's workspace-edit code.
local actions = request('textDocument/codeAction', line, col, {
  range = { start = { line = line, character = col + 8 }, ['end'] = { line = line, character = col + 14 } },
  context = { diagnostics = {} },
})
check('code action offered', actions ~= nil and #actions >= 1)
if actions and actions[1] then
  say('> code action: ' .. actions[1].title)
  vim.lsp.util.apply_workspace_edit(actions[1].edit, 'utf-16')
end
local fixed = vim.wait(5000, function() return #diagnostics_with('check.unknown_field') == 0 end, 20)
check('fix applied, diagnostic gone', fixed and vim.api.nvim_buf_get_lines(buf, line, line + 1, false)[1]:find('request.service ==', 1, true) ~= nil)

-- 3. Hover on a define from the imported library.
line, col = find('require adult')
local hover = request('textDocument/hover', line, col + 9)
local hover_text = hover and hover.contents and hover.contents.value or ''
say('> hover on `adult` (line ' .. (line + 1) .. ')')
for l in hover_text:gmatch('[^\n]+') do say('  ' .. l) end
check('hover shows the define', hover_text:find('define adult', 1, true) ~= nil)

-- 4. Go to definition: into the imported file.
local def = request('textDocument/definition', line, col + 9)
local target = def and (def.uri or (def[1] and def[1].uri)) or ''
local range = def and (def.range or (def[1] and def[1].range))
say('> definition of `adult`: ' .. vim.fn.fnamemodify(vim.uri_to_fname(target ~= '' and target or 'file:///'), ':t') ..
    (range and (':' .. (range.start.line + 1) .. ':' .. (range.start.character + 1)) or ''))
check('definition in common.cpl', target:find('common.cpl', 1, true) ~= nil)

-- 5. Completion after `request.` on a new line being typed.
local last = vim.api.nvim_buf_line_count(buf)
vim.api.nvim_buf_set_lines(buf, last, last, false, { '', 'rule s9_new "New" cite "§9"', '  when request.' })
local items = request('textDocument/completion', last + 2, #'  when request.')
items = items and (items.items or items) or {}
local labels = {}
for _, i in ipairs(items) do table.insert(labels, i.label) end
table.sort(labels)
say('> completion after `request.`: ' .. table.concat(labels, ', '))
check('completion offers request fields', vim.tbl_contains(labels, 'service') and vim.tbl_contains(labels, 'site'))
vim.api.nvim_buf_set_lines(buf, last, last + 3, false, {})

-- 6. Formatting: a badly laid-out define comes back in the canonical layout.
local original = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
line = find('define two_adequate_trials_two_classes')
vim.api.nvim_buf_set_lines(buf, line, line + 3, false,
  { 'define   two_adequate_trials_two_classes=count(treatments t: adequate_trial(t))>=2 and count distinct(treatments t: adequate_trial(t) ; t.class) >= 2' })
say('> join the define on line ' .. (line + 1) .. ' into one long line, then format')
vim.lsp.buf.formatting_sync(nil, 5000)
local formatted = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
check('formatting restores the canonical layout', formatted == original)
for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, line, line + 3, false)) do say('  ' .. l) end

-- 7. Document symbols: the outline.
local symbols = request('textDocument/documentSymbol', 0, 0) or {}
local children = symbols[1] and symbols[1].children or {}
say(string.format('> document symbols: %s with %d children', symbols[1] and symbols[1].name or '?', #children))
check('document symbols', symbols[1] and symbols[1].name == 'acme' and #children > 5)

-- 8. Code lenses: the suites beside the policy (`covcheck test`, the result shown in the
-- lens), and "evaluate with case…" with a case from cases/ (decided from the buffer).
local function execute(command)
  local answers = vim.lsp.buf_request_sync(buf, 'workspace/executeCommand',
                                           { command = command.command, arguments = command.arguments }, 60000)
  local answer = answers and answers[client_id]
  return answer and answer.result
end
local function lenses_named(command)
  local found = {}
  for _, l in ipairs(request('textDocument/codeLens', 0, 0) or {}) do
    if l.command.command == command then table.insert(found, l) end
  end
  return found
end
local run_lens, eval_lens = lenses_named('covcheck.runTests')[1], lenses_named('covcheck.evaluate')[1]
check('code lenses on each rule', run_lens ~= nil and eval_lens ~= nil)
if run_lens then
  say('> code lens on line ' .. (run_lens.range.start.line + 1) .. ': ' .. run_lens.command.title)
  local result = execute(run_lens.command) or {}
  say('  ' .. tostring(result.summary))
  check('the suites pass', result.status == 0)
  local after = lenses_named('covcheck.runTests')[1]
  say('> the lens now reads: ' .. (after and after.command.title or '?'))
  check('the lens shows the result', after ~= nil and after.command.title:find(result.summary or '?', 1, true) ~= nil)
end
if eval_lens then
  local case = vim.fn.fnamemodify(policy, ':h') .. '/cases/iv-crps-covered.yaml'
  say('> evaluate with case iv-crps-covered.yaml')
  local result = execute({ command = eval_lens.command.command, arguments = { eval_lens.command.arguments[1], case } }) or {}
  local first = (result.text or ''):match('[^\n]*')
  say('  ' .. first)
  check('evaluation decides the case', first:find('COVERED', 1, true) ~= nil)
end

-- 9. Rename a define: every use in the buffer follows (applied with Neovim's workspace-edit code).
line, col = find('define two_adequate_trials_two_classes')
local edit = request('textDocument/rename', line, col + 8, { newName = 'two_trials_two_classes' })
local count = 0
for _, edits in pairs(edit and edit.changes or {}) do count = count + #edits end
say('> rename `two_adequate_trials_two_classes` to `two_trials_two_classes`: ' .. count .. ' edits')
if edit then vim.lsp.util.apply_workspace_edit(edit, 'utf-16') end
local renamed = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
check('rename applied everywhere', count == 3 and not renamed:find('two_adequate', 1, true))
local clean = vim.wait(5000, function()
  return #vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR }) == 0
end, 20)
check('no errors after the rename', clean)

vim.lsp.stop_client(client_id)
local stopped = vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
check('server stopped', stopped)
finish()
