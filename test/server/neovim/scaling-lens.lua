-- Scaling Lens in Neovim's built-in LSP client (0.7+), also the README's setup.
-- Headless test use: nvim --headless -u NONE -c "luafile scaling-lens.lua" FILE
--   with SCALING_LENS_SERVER (path to dist/server.js) and SCALING_LENS_OUT (JSON result file) set.
local server = os.getenv('SCALING_LENS_SERVER') or 'dist/server.js'
local out_path = os.getenv('SCALING_LENS_OUT')

local client_id = vim.lsp.start_client({
  name = 'scaling-lens',
  cmd = { 'node', server, '--stdio' },
  root_dir = vim.fn.getcwd(),
})
vim.lsp.buf_attach_client(0, client_id)

if not out_path then
  return
end

local function finish(result)
  local file = io.open(out_path, 'w')
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd('qall!')
end

-- Wait until the server has analyzed the buffer and published diagnostics (or 20 s pass).
vim.wait(20000, function()
  return #vim.diagnostic.get(0) > 0
end, 100)

local result = { lenses = {}, diagnostics = {}, hover = '' }
local lens_responses = vim.lsp.buf_request_sync(0, 'textDocument/codeLens', {
  textDocument = vim.lsp.util.make_text_document_params(),
}, 10000) or {}
for _, response in pairs(lens_responses) do
  for _, lens in ipairs(response.result or {}) do
    table.insert(result.lenses, lens.command and lens.command.title or '')
  end
end
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(result.diagnostics, d.message)
end
local hover_line = tonumber(os.getenv('SCALING_LENS_HOVER_LINE') or '0')
local hover_char = tonumber(os.getenv('SCALING_LENS_HOVER_CHAR') or '0')
local hover_responses = vim.lsp.buf_request_sync(0, 'textDocument/hover', {
  textDocument = vim.lsp.util.make_text_document_params(),
  position = { line = hover_line, character = hover_char },
}, 10000) or {}
for _, response in pairs(hover_responses) do
  if response.result and response.result.contents then
    local contents = response.result.contents
    result.hover = contents.value or vim.fn.json_encode(contents)
  end
end
local client = vim.lsp.get_client_by_id(client_id)
result.running = client ~= nil and not client.is_stopped()
finish(result)
