-- Neovim probe (sourced with --cmd, before the init file that holds the
-- documented snippet). Records what a user would see into $ECI_PROBE_OUT as
-- JSON; editors.test.ts judges it. Every wait polls with a deadline.
local out = os.getenv('ECI_PROBE_OUT')
local before = vim.split(os.getenv('ECI_PROBE_BEFORE'), ',')
local after = vim.split(os.getenv('ECI_PROBE_AFTER'), ',')
local delete_line = tonumber(os.getenv('ECI_PROBE_DELETE'))

local report = { failures = {}, duplicatesBefore = {}, duplicatesAfter = {}, hover = '', lenses = {}, ranking = '', messages = '' }
local told = {} -- vim.notify calls at WARN or above (what pops up for the user)
local notify = vim.notify
vim.notify = function(msg, level, opts)
  if (level or vim.log.levels.INFO) >= vim.log.levels.WARN then table.insert(told, tostring(msg)) end
  return notify(msg, level, opts)
end

local function wait(what, ms, cond)
  local ok = vim.wait(ms, cond, 20)
  if not ok then table.insert(report.failures, 'timed out waiting for ' .. what) end
  return ok
end

local function duplicates(buf)
  local lines = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == 'duplicate-of-positive' then table.insert(lines, d.lnum + 1) end
  end
  table.sort(lines)
  return lines
end

local function is(lines, want) return table.concat(lines, ',') == table.concat(want, ',') end

local function float_window()
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then return w end
  end
end

local function lens_titles(buf)
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    if lens.command then table.insert(titles, lens.command.title) end
  end
  return titles
end

local function finish()
  report.messages = table.concat(told, '\n') .. '\n' .. vim.api.nvim_exec('messages', true)
  local log = io.open(vim.lsp.get_log_path(), 'r')
  if log then
    -- Neovim logs what went wrong in the client (and the server's stderr) here, at WARN or above.
    for line in log:lines() do
      if line:match('^%[WARN%]') or line:match('^%[ERROR%]') then report.messages = report.messages .. '\nlsp.log: ' .. line end
    end
    log:close()
  end
  vim.fn.writefile({ vim.fn.json_encode(report) }, out)
  vim.cmd('qall!')
end

function EciProbe()
  local ok, err = pcall(function()
    local buf = vim.api.nvim_get_current_buf()
    local win = vim.api.nvim_get_current_win()
    if not wait('duplicate-of-positive on lines ' .. table.concat(before, ','), 30000, function() return is(duplicates(buf), before) end) then return end
    report.duplicatesBefore = duplicates(buf)

    -- Hover (K) on the first duplicate's negative.
    local first
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'duplicate-of-positive' and (not first or d.lnum < first.lnum) then first = d end
    end
    vim.api.nvim_win_set_cursor(win, { first.lnum + 1, first.col })
    vim.lsp.buf.hover()
    if wait('the hover window', 10000, function() return float_window() ~= nil end) then
      local fw = float_window()
      report.hover = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(fw), 0, -1, false), '\n')
      vim.api.nvim_win_close(fw, true)
    end

    -- CodeLens at the top of the file, and its command (the ranking in a new window).
    local scored = wait('a scored CodeLens', 10000, function() return (lens_titles(buf)[1] or ''):match('rank') ~= nil end)
    report.lenses = lens_titles(buf)
    if scored then
      vim.api.nvim_win_set_cursor(win, { 1, 0 })
      vim.lsp.codelens.run()
      if wait('the ranking window', 10000, function() return #vim.api.nvim_list_wins() > 1 end) then
        for _, w in ipairs(vim.api.nvim_list_wins()) do
          if w ~= win then
            report.ranking = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
            vim.api.nvim_win_close(w, true)
          end
        end
      end
    end

    -- Delete a line and save (the snippet scores on save): the findings follow.
    vim.api.nvim_set_current_win(win)
    vim.api.nvim_buf_set_lines(buf, delete_line - 1, delete_line, false, {})
    vim.cmd('write')
    if wait('duplicate-of-positive on lines ' .. table.concat(after, ','), 30000, function() return is(duplicates(buf), after) end) then
      report.duplicatesAfter = duplicates(buf)
    end
  end)
  if not ok then table.insert(report.failures, 'probe error: ' .. tostring(err)) end
  finish()
end
