-- End-to-end test of `lspkit serve calc` with Neovim's built-in LSP client,
-- headless. It uses only APIs that Neovim 0.7 has (Debian bookworm's
-- neovim), so it runs there and on later versions alike:
--
--   CALC_LSPKIT=/path/to/lspkit CALC_ROOT=/path/to/workspace CALC_OUT=out.json \
--     nvim --headless -u NONE -i NONE -n -c 'luafile e2e.lua'
--
-- CALC_ROOT holds main.calc and lib.calc (testdata/workspace). The script
-- writes what it observed as JSON to CALC_OUT, and the Go test
-- (e2e_test.go) checks it; a failure in the script is written there too, as
-- "error". Neovim exits 0 once the output is written.

local out = { steps = {} }
local timeout = 10000 -- ms, for every wait

local function step(name)
  table.insert(out.steps, name)
end

local function write_out()
  local f = assert(io.open(os.getenv('CALC_OUT'), 'w'))
  f:write(vim.fn.json_encode(out))
  f:close()
end

local function wait_for(what, cond)
  if not vim.wait(timeout, cond, 10) then
    error('timed out waiting for ' .. what)
  end
end

local function run()
  local bin = assert(os.getenv('CALC_LSPKIT'), 'CALC_LSPKIT is not set')
  local root = assert(os.getenv('CALC_ROOT'), 'CALC_ROOT is not set')
  out.nvim_version = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch
  -- The debug log shows the cancellation acknowledgement, which Neovim
  -- otherwise keeps to itself.
  vim.lsp.set_log_level('debug')

  local published = {} -- uri → list of publishDiagnostics params, in order
  local progress = {}  -- $/progress params, in order
  local exited = nil

  -- Neovim 0.7 does not declare workspace.configuration, though it
  -- answers it from `settings`: declare it, to get calc.precision read.
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.workspace.configuration = true

  step('start')
  local client_id = vim.lsp.start_client({
    name = 'calc',
    cmd = { bin, 'serve', 'calc', '--stdio' },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = 'calc' } },
    capabilities = caps,
    settings = { calc = { precision = 3 } },
    flags = { debounce_text_changes = 0 },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        published[result.uri] = published[result.uri] or {}
        table.insert(published[result.uri], result)
        return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
      end,
      ['$/progress'] = function(_, result)
        table.insert(progress, result)
      end,
    },
    on_exit = function(code, signal)
      exited = { code = code, signal = signal }
    end,
  })
  assert(client_id, 'start_client failed')
  local client = vim.lsp.get_client_by_id(client_id)
  wait_for('initialize', function() return client.initialized end)
  out.offset_encoding = client.offset_encoding

  -- The workspace is indexed with progress.
  wait_for('indexing progress', function()
    for _, p in ipairs(progress) do
      if p.value.kind == 'end' then return true end
    end
    return false
  end)
  out.indexing = {}
  for _, p in ipairs(progress) do
    table.insert(out.indexing, { kind = p.value.kind, title = p.value.title, message = p.value.message })
  end

  step('open')
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/main.calc'))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'calc'
  local uri = vim.uri_from_bufnr(bufnr)
  out.uri = uri
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')

  -- Diagnostics of the version just sent (0 for didOpen, then the
  -- buffer's changedtick).
  local function diagnostics()
    local version = vim.lsp.util.buf_versions[bufnr]
    local found
    wait_for('diagnostics of version ' .. version, function()
      for _, p in ipairs(published[uri] or {}) do
        if p.version == version then found = p end
      end
      return found ~= nil
    end)
    local list = {}
    for _, d in ipairs(found.diagnostics) do
      table.insert(list, { range = d.range, severity = d.severity, message = d.message, tags = d.tags or {} })
    end
    return list
  end
  out.diagnostics = diagnostics()

  -- Requests at the place of a needle in a line (0-based), as if the
  -- cursor were there: Neovim converts the cursor to a position.
  local function at(line, needle, nth)
    local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, true)[1]
    local col = 0
    for _ = 1, nth or 1 do
      col = assert(string.find(text, needle, col + 1, true), needle .. ' not in ' .. text)
    end
    vim.api.nvim_win_set_cursor(0, { line + 1, col - 1 })
    return vim.lsp.util.make_position_params()
  end
  local function request(method, params)
    local res, err = client.request_sync(method, params, timeout, bufnr)
    assert(res, method .. ': ' .. tostring(err))
    assert(res.err == nil, method .. ': ' .. vim.inspect(res.err))
    return res.result
  end

  step('hover')
  out.hover = {}
  for _, h in ipairs({ { 3, 'τ' }, { 3, '𝑥' }, { 1, 'π' } }) do
    local r = request('textDocument/hover', at(h[1], h[2]))
    table.insert(out.hover, { value = r.contents.value, range = r.range })
  end

  step('completion')
  local items = request('textDocument/completion', at(3, '𝑥'))
  items = items.items or items
  out.completion = {}
  for _, item in ipairs(items) do
    table.insert(out.completion, item.label)
  end

  step('definition')
  out.definition = request('textDocument/definition', at(3, 'τ'))

  step('references')
  local params = at(3, '𝑥')
  params.context = { includeDeclaration = true }
  out.references = request('textDocument/references', params)

  step('rename')
  params = at(3, '𝑥')
  params.newName = 'ξ'
  local edit = request('textDocument/rename', params)
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
  out.renamed = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)

  step('formatting')
  local edits = request('textDocument/formatting', vim.lsp.util.make_formatting_params())
  vim.lsp.util.apply_text_edits(edits, bufnr, client.offset_encoding)
  out.formatted = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)

  -- Incremental edits: a new line with a name of letters outside the BMP,
  -- then that name twice at the start of the last line. Neovim sends each
  -- as a range in UTF-16; what comes after the names must still be found.
  step('incremental edit')
  vim.api.nvim_buf_set_lines(bufnr, 3, 3, true, { 'let 𝑥𝑦 = 1' })
  vim.api.nvim_buf_set_text(bufnr, 4, 0, 4, 0, { '𝑥𝑦 * 𝑥𝑦 + ' })
  out.edited = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  out.after_edit = {}
  for _, h in ipairs({ { 4, 'τ' }, { 4, 'ξ' }, { 4, '𝑥𝑦', 2 } }) do
    local r = request('textDocument/hover', at(h[1], h[2], h[3]))
    table.insert(out.after_edit, { value = r.contents.value, range = r.range })
  end
  out.definition_after_edit = request('textDocument/definition', at(4, '𝑥𝑦', 2))
  out.diagnostics_after_edit = diagnostics()

  -- Cancellation: the slow command, cancelled once its progress began.
  step('cancel')
  local replied = false
  local ok, request_id = client.request('workspace/executeCommand', {
    command = 'calc.evaluateWorkspace',
    arguments = { { delayMs = 60000 } },
  }, function() replied = true end, bufnr)
  assert(ok, 'executeCommand not sent')
  local token
  wait_for('progress of the command', function()
    for _, p in ipairs(progress) do
      if p.value.kind == 'begin' and p.value.title == 'Evaluating the workspace' then
        token = p.token
        return true
      end
    end
    return false
  end)
  local cancelled_at = vim.loop.hrtime()
  client.cancel_request(request_id)
  wait_for('the end of the cancelled work', function()
    for _, p in ipairs(progress) do
      if p.token == token and p.value.kind == 'end' then return true end
    end
    return false
  end)
  local ack
  wait_for('the cancellation acknowledgement in the log', function()
    local f = io.open(vim.lsp.get_log_path(), 'r')
    if not f then return false end
    for line in f:lines() do
      if line:find('Received cancellation ack', 1, true) then
        ack = line
      end
    end
    f:close()
    return ack ~= nil
  end)
  out.cancel = {
    request_id = request_id,
    ack_id = tonumber(ack:match('id = (%d+)')),
    ack_code = tonumber(ack:match('code = (%-?%d+)')),
    handler_called = replied,
    ms = (vim.loop.hrtime() - cancelled_at) / 1e6,
  }
  -- The server goes on serving.
  out.hover_after_cancel = request('textDocument/hover', at(4, 'τ')).contents.value

  step('shutdown')
  client.stop()
  wait_for('the server to exit', function() return exited ~= nil end)
  out.exit = exited
  step('done')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  out.error = tostring(err)
end
write_out()
vim.cmd('qall!')
