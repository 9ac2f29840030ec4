-- Checks a Neovim configuration shown in README.md (TestReadmeNeovim,
-- readme_test.go): Neovim started with it as init.lua, on main.calc, must
-- have the calc server attached to the buffer, answering hover and
-- pushing diagnostics. It writes what it saw as JSON to CALC_OUT (a
-- failure as "error"), then quits. It uses only APIs that Neovim 0.7 has.

local out = {}
local timeout = 10000 -- ms, for every wait

local function run()
  local v = vim.version()
  out.nvim_version = v.major .. '.' .. v.minor .. '.' .. v.patch
  out.filetype = vim.bo.filetype
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  local client
  if not vim.wait(timeout, function()
    for _, c in ipairs(get_clients()) do
      if vim.lsp.buf_is_attached(0, c.id) then
        client = c
        return true
      end
    end
    return false
  end, 20) then
    error('no client attached to ' .. vim.api.nvim_buf_get_name(0))
  end
  out.client = client.name
  out.cmd = client.config.cmd

  -- Hover on `unused` (line 3, ASCII: the same column in every encoding).
  local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 2, character = 5 } }
  if not vim.wait(timeout, function()
    local results = vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 1000) or {}
    for _, r in pairs(results) do
      if r.result and r.result.contents then
        out.hover = r.result.contents.value or r.result.contents
        return true
      end
    end
    return false
  end, 20) then
    error('no hover')
  end

  if not vim.wait(timeout, function() return #vim.diagnostic.get(0) > 0 end, 20) then
    error('no diagnostics')
  end
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out.diagnostics, d.message)
  end
  table.sort(out.diagnostics)
end

local ok, err = pcall(run)
if not ok then
  out.error = tostring(err)
end
local f = assert(io.open(os.getenv('CALC_OUT'), 'w'))
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd('qa!')
