" Vim + ALE probe for test/editors, sourced after the vimrc that holds the
" documented snippet, with the triple file open. Records what a user would
" see into $ECI_PROBE_OUT as JSON; editors.test.ts judges it. Every wait
" polls with a deadline (:sleep lets ALE's jobs and timers run).
let s:report = {'failures': [], 'duplicatesBefore': [], 'duplicatesAfter': [],
      \ 'hover': '', 'configHover': '', 'messages': '', 'cursorBack': v:false}

function! s:Wait(what, seconds, cond) abort
  let l:start = reltime()
  while !eval(a:cond)
    if reltimefloat(reltime(l:start)) > a:seconds
      call add(s:report.failures, 'timed out waiting for ' . a:what)
      return 0
    endif
    sleep 20m
  endwhile
  return 1
endfunction

function! s:Duplicates() abort
  let l:lines = []
  for l:item in getloclist(0)
    if l:item.text =~# 'duplicate-of-positive\|duplicate of the positive'
      call add(l:lines, l:item.lnum)
    endif
  endfor
  return sort(l:lines, 'n')
endfunction

function! s:Preview() abort
  for l:win in getwininfo()
    if getwinvar(l:win.winid, '&previewwindow')
      return l:win.winid
    endif
  endfor
  return 0
endfunction

" :ALEHover at (line, col) of the current window: the preview text, and
" whether the cursor came back to this window.
function! s:Hover(line, col) abort
  pclose
  let l:win = win_getid()
  call cursor(a:line, a:col)
  ALEHover
  if !s:Wait('the :ALEHover preview window', 10, 's:Preview() != 0')
    return ['', v:false]
  endif
  let l:text = join(getbufline(winbufnr(s:Preview()), 1, '$'), "\n")
  let l:back = win_getid() == l:win ? v:true : v:false
  call win_gotoid(l:win)
  pclose
  return [l:text, l:back]
endfunction

function! s:Probe() abort
  let l:before = map(split($ECI_PROBE_BEFORE, ','), 'str2nr(v:val)')
  let l:after = map(split($ECI_PROBE_AFTER, ','), 'str2nr(v:val)')
  let l:triples = bufnr('%')
  if !s:Wait('duplicate-of-positive on lines ' . string(l:before), 30, 's:Duplicates() == ' . string(l:before))
    return
  endif
  let s:report.duplicatesBefore = s:Duplicates()

  let l:first = filter(getloclist(0), 'v:val.lnum == ' . l:before[0] . ' && v:val.text =~# "duplicate"')[0]
  let [s:report.hover, s:report.cursorBack] = s:Hover(l:first.lnum, l:first.col)

  " ALE has no CodeLens: the config source's hover has the score card.
  edit ../eci.config.jsonc
  call search('"Mixed"')
  let [s:report.configHover, l:back] = s:Hover(line('.'), col('.') + 2)
  let s:report.cursorBack = s:report.cursorBack && l:back ? v:true : v:false
  execute 'buffer' l:triples

  " Delete a line and save (the snippet scores on save): the findings follow.
  execute $ECI_PROBE_DELETE . 'delete'
  write
  if s:Wait('duplicate-of-positive on lines ' . string(l:after), 30, 's:Duplicates() == ' . string(l:after))
    let s:report.duplicatesAfter = s:Duplicates()
  endif
endfunction

try
  call s:Probe()
catch
  call add(s:report.failures, 'probe error: ' . v:exception . ' at ' . v:throwpoint)
endtry
let s:report.messages = execute('messages')
" An error ALE caught and kept quiet (not shown to the user), for the record.
let s:report.silentError = v:errmsg
call writefile([json_encode(s:report)], $ECI_PROBE_OUT)
qall!
