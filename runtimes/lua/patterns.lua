-- Lua 5.4's pattern matching (lstrlib.c), written in Lua.
--
-- The C matcher backtracks without running a single Lua instruction, so
-- the instruction limit cannot stop `("a"):rep(300):find(".-.-.-b")`, which
-- runs for seconds. The sandbox sends patterns that could backtrack far on
-- long subjects here instead, where every step is counted. Semantics and
-- error messages follow lstrlib.c function for function.

local byte, sub, char = string.byte, string.sub, string.char
local error, type, tostring, tointeger = error, type, tostring, math.tointeger
local concat, unpack = table.concat, table.unpack
local cfind = string.find

local MAXCAPTURES = 32
local MAXCCALLS = 200
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local L_ESC = 37 -- '%'

-- Character classes of the C locale, computed once with the C matcher.
local CLASSES = {}
for _, cl in ipairs({ "a", "c", "d", "g", "l", "p", "s", "u", "w", "x", "z" }) do
  local set = {}
  for c = 0, 255 do set[c] = cfind(char(c), "^%" .. cl) ~= nil end
  CLASSES[byte(cl)] = set
end

local function match_class(c, cl)
  local lower = cl
  if cl >= 65 and cl <= 90 then lower = cl + 32 end
  local set = CLASSES[lower]
  if not set then return cl == c end
  local res = set[c]
  if lower ~= cl then res = not res end
  return res
end

-- ms: src, slen, pat, plen, level, init[], len[], depth

local function class_end(ms, p)
  local pat = ms.pat
  local c = byte(pat, p)
  p = p + 1
  if c == L_ESC then
    if p > ms.plen then error("malformed pattern (ends with '%')", 0) end
    return p + 1
  elseif c == 91 then -- '['
    if byte(pat, p) == 94 then p = p + 1 end
    repeat
      if p > ms.plen then error("malformed pattern (missing ']')", 0) end
      local cc = byte(pat, p)
      p = p + 1
      if cc == L_ESC and p <= ms.plen then p = p + 1 end
    until byte(pat, p) == 93
    return p + 1
  end
  return p
end

-- p at '[', ec at the closing ']'.
local function match_bracket_class(ms, c, p, ec)
  local pat = ms.pat
  local sig = true
  if byte(pat, p + 1) == 94 then
    sig = false
    p = p + 1
  end
  p = p + 1
  while p < ec do
    local pc = byte(pat, p)
    if pc == L_ESC then
      p = p + 1
      if match_class(c, byte(pat, p)) then return sig end
    elseif byte(pat, p + 1) == 45 and p + 2 < ec then -- range a-z
      if pc <= c and c <= byte(pat, p + 2) then return sig end
      p = p + 2
    elseif pc == c then
      return sig
    end
    p = p + 1
  end
  return not sig
end

local function single_match(ms, s, p, ep)
  if s > ms.slen then return false end
  local c = byte(ms.src, s)
  local pc = byte(ms.pat, p)
  if pc == 46 then return true -- '.'
  elseif pc == L_ESC then return match_class(c, byte(ms.pat, p + 1))
  elseif pc == 91 then return match_bracket_class(ms, c, p, ep - 1)
  end
  return pc == c
end

local do_match

local function match_balance(ms, s, p)
  if p >= ms.plen then error("malformed pattern (missing arguments to '%b')", 0) end
  local src = ms.src
  if byte(src, s) ~= byte(ms.pat, p) then return nil end
  local b, e = byte(ms.pat, p), byte(ms.pat, p + 1)
  local cont = 1
  s = s + 1
  while s <= ms.slen do
    local c = byte(src, s)
    if c == e then
      cont = cont - 1
      if cont == 0 then return s + 1 end
    elseif c == b then
      cont = cont + 1
    end
    s = s + 1
  end
  return nil
end

local function max_expand(ms, s, p, ep)
  local i = 0
  while single_match(ms, s + i, p, ep) do i = i + 1 end
  while i >= 0 do
    local res = do_match(ms, s + i, ep + 1)
    if res then return res end
    i = i - 1
  end
  return nil
end

local function min_expand(ms, s, p, ep)
  while true do
    local res = do_match(ms, s, ep + 1)
    if res then return res
    elseif single_match(ms, s, p, ep) then s = s + 1
    else return nil end
  end
end

local function start_capture(ms, s, p, what)
  local level = ms.level + 1
  if level > MAXCAPTURES then error("too many captures", 0) end
  ms.init[level] = s
  ms.len[level] = what
  ms.level = level
  local res = do_match(ms, s, p)
  if not res then ms.level = ms.level - 1 end
  return res
end

local function capture_to_close(ms)
  for l = ms.level, 1, -1 do
    if ms.len[l] == CAP_UNFINISHED then return l end
  end
  error("invalid pattern capture", 0)
end

local function end_capture(ms, s, p)
  local l = capture_to_close(ms)
  ms.len[l] = s - ms.init[l]
  local res = do_match(ms, s, p)
  if not res then ms.len[l] = CAP_UNFINISHED end
  return res
end

local function check_capture(ms, l)
  l = l - 48 -- '0'; captures are 1-based here as %1 is 1
  if l < 1 or l > ms.level or ms.len[l] == CAP_UNFINISHED then
    error("invalid capture index %" .. l, 0)
  end
  return l
end

local function match_capture(ms, s, l)
  l = check_capture(ms, l)
  local len = ms.len[l]
  local init = ms.init[l]
  if ms.slen - s + 1 >= len and sub(ms.src, init, init + len - 1) == sub(ms.src, s, s + len - 1) then
    return s + len
  end
  return nil
end

do_match = function(ms, s, p)
  ms.depth = ms.depth - 1
  if ms.depth == 0 then error("pattern too complex", 0) end
  local pat, plen = ms.pat, ms.plen
  while true do
    if p > plen then break end
    local pc = byte(pat, p)
    local dflt = false
    if pc == 40 then -- '('
      if byte(pat, p + 1) == 41 then s = start_capture(ms, s, p + 2, CAP_POSITION)
      else s = start_capture(ms, s, p + 1, CAP_UNFINISHED) end
      break
    elseif pc == 41 then -- ')'
      s = end_capture(ms, s, p + 1)
      break
    elseif pc == 36 and p == plen then -- '$' at the end
      if s ~= ms.slen + 1 then s = nil end
      break
    elseif pc == L_ESC then
      local nc = byte(pat, p + 1)
      if nc == 98 then -- 'b'
        s = match_balance(ms, s, p + 2)
        if s then p = p + 4 else break end
      elseif nc == 102 then -- 'f'
        p = p + 2
        if byte(pat, p) ~= 91 then error("missing '[' after '%f' in pattern", 0) end
        local ep = class_end(ms, p)
        local previous = s == 1 and 0 or byte(ms.src, s - 1)
        local current = byte(ms.src, s) or 0
        if not match_bracket_class(ms, previous, p, ep - 1) and
          match_bracket_class(ms, current, p, ep - 1) then
          p = ep
        else
          s = nil
          break
        end
      elseif nc and nc >= 48 and nc <= 57 then -- %0-%9
        s = match_capture(ms, s, nc)
        if s then p = p + 2 else break end
      else
        dflt = true
      end
    else
      dflt = true
    end
    if dflt then
      local ep = class_end(ms, p)
      local epc = byte(pat, ep)
      if not single_match(ms, s, p, ep) then
        if epc == 42 or epc == 63 or epc == 45 then -- '*', '?', '-': accept empty
          p = ep + 1
        else
          s = nil
          break
        end
      else
        if epc == 63 then -- '?'
          local res = do_match(ms, s + 1, ep + 1)
          if res then
            s = res
            break
          end
          p = ep + 1
        elseif epc == 43 then -- '+'
          s = max_expand(ms, s + 1, p, ep)
          break
        elseif epc == 42 then -- '*'
          s = max_expand(ms, s, p, ep)
          break
        elseif epc == 45 then -- '-'
          s = min_expand(ms, s, p, ep)
          break
        else
          s = s + 1
          p = ep
        end
      end
    end
  end
  ms.depth = ms.depth + 1
  return s
end

local function new_state(s, pat)
  return { src = s, slen = #s, pat = pat, plen = #pat, level = 0, init = {}, len = {}, depth = MAXCCALLS }
end

local function reset(ms)
  ms.level = 0
  ms.depth = MAXCCALLS
end

-- One capture (1-based), or the whole match when there are none.
local function get_capture(ms, i, s, e)
  if i > ms.level then
    if i ~= 1 then error("invalid capture index %" .. i, 0) end
    return sub(ms.src, s, e - 1)
  end
  local l = ms.len[i]
  if l == CAP_UNFINISHED then error("unfinished capture", 0) end
  if l == CAP_POSITION then return ms.init[i] end
  return sub(ms.src, ms.init[i], ms.init[i] + l - 1)
end

local function captures(ms, s, e, whole)
  local n = (ms.level == 0 and whole) and 1 or ms.level
  local out = {}
  for i = 1, n do out[i] = get_capture(ms, i, s, e) end
  return unpack(out, 1, n)
end

-- string.find / string.match with a pattern (plain searches never come here).
local function find_aux(find, s, pat, init)
  local ls = #s
  init = init or 1
  if init < 0 then init = ls + init + 1; if init < 1 then init = 1 end
  elseif init == 0 then init = 1 end
  if init > ls + 1 then return nil end
  -- find without special characters is a plain search, as in C.
  if find and not cfind(pat, "[%^%$%*%+%?%.%(%[%%%-]") then return cfind(s, pat, init, true) end
  local anchor = byte(pat, 1) == 94
  if anchor then pat = sub(pat, 2) end
  local ms = new_state(s, pat)
  local s1 = init
  repeat
    reset(ms)
    local e = do_match(ms, s1, 1)
    if e then
      if find then return s1, e - 1, captures(ms, nil, nil, false) end
      return captures(ms, s1, e, true)
    end
    s1 = s1 + 1
  until s1 > ls + 1 or anchor
  return nil
end

local function find(s, pat, init) return find_aux(true, s, pat, init) end
local function match(s, pat, init) return find_aux(false, s, pat, init) end

local function gmatch(s, pat, init)
  local ls = #s
  init = init or 1
  if init < 0 then init = ls + init + 1; if init < 1 then init = 1 end
  elseif init == 0 then init = 1 end
  if init > ls + 1 then init = ls + 2 end
  local ms = new_state(s, pat)
  local src, lastmatch = init, nil
  return function()
    while src <= ls + 1 do
      reset(ms)
      local e = do_match(ms, src, 1)
      if e and e ~= lastmatch then
        local start = src
        src, lastmatch = e, e
        return captures(ms, start, e, true)
      end
      src = src + 1
    end
    return nil
  end
end

local function add_string(ms, out, s, e, repl)
  local i, lr = 1, #repl
  local parts = {}
  while i <= lr do
    local c = byte(repl, i)
    if c == L_ESC then
      i = i + 1
      local d = byte(repl, i)
      if d == L_ESC then parts[#parts + 1] = "%"
      elseif d and d >= 48 and d <= 57 then
        if d == 48 then parts[#parts + 1] = sub(ms.src, s, e - 1)
        else parts[#parts + 1] = tostring(get_capture(ms, d - 48, s, e)) end
      else
        error("invalid use of '%' in replacement string", 0)
      end
    else
      parts[#parts + 1] = char(c)
    end
    i = i + 1
  end
  out[#out + 1] = concat(parts)
end

local function gsub(s, pat, repl, max_s)
  local tr = type(repl)
  if tr ~= "number" and tr ~= "string" and tr ~= "function" and tr ~= "table" then
    error("bad argument #3 to 'gsub' (string/function/table expected, got " ..
      (tr == "nil" and "no value" or tr) .. ")", 0)
  end
  if tr == "number" then repl = tostring(repl); tr = "string" end
  local ls = #s
  max_s = max_s or ls + 1
  local anchor = byte(pat, 1) == 94
  if anchor then pat = sub(pat, 2) end
  local ms = new_state(s, pat)
  local out = {}
  local src, lastmatch, n, changed = 1, nil, 0, false
  while n < max_s do
    reset(ms)
    local e = do_match(ms, src, 1)
    if e and e ~= lastmatch then
      n = n + 1
      if tr == "string" then
        add_string(ms, out, src, e, repl)
        changed = true
      else
        local v
        if tr == "function" then v = repl(captures(ms, src, e, true))
        else v = repl[get_capture(ms, 1, src, e)] end
        if not v then
          out[#out + 1] = sub(s, src, e - 1)
        elseif type(v) == "string" or type(v) == "number" then
          out[#out + 1] = tostring(v)
          changed = true
        else
          error("invalid replacement value (a " .. type(v) .. ")", 0)
        end
      end
      src, lastmatch = e, e
    elseif src <= ls then
      out[#out + 1] = sub(s, src, src)
      src = src + 1
    else
      break
    end
    if anchor then break end
  end
  if not changed then return s, n end
  out[#out + 1] = sub(s, src, ls)
  return concat(out), n
end

return { find = find, match = match, gmatch = gmatch, gsub = gsub, tointeger = tointeger }
