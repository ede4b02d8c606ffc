-- Kestrel's Lua sandbox, run once in each fresh Lua state before any module.
--
-- Called with the instruction limit, the Lua pattern matcher (patterns.lua)
-- and the largest string allowed; returns `invoke` (calls a function
-- under the limit) and `load_module` (loads a module's text under the
-- limit). It keeps the debug functions it needs as upvalues, then removes
-- everything that reaches outside the state or makes runs differ: io, os,
-- package/require, dofile, loadfile, binary chunks, debug, collectgarbage,
-- print/warn (stdout carries alerts), coroutines (each would get its own
-- instruction count), __gc finalizers (they run with hooks off) and
-- randomly seeded randomness.

local limit, patterns, max_string = ...
local sethook, getinfo = debug.sethook, debug.getinfo
local error, load, type, rawget, next, select = error, load, type, rawget, next, select
local setmetatable, getmetatable, tostring, tonumber = setmetatable, getmetatable, tostring, tonumber
local rawlen, ipairs = rawlen, ipairs
local sort, concat = table.sort, table.concat
local randomseed, tointeger = math.randomseed, math.tointeger
local G = _G

-- The instruction limit. A count hook adds PERIOD to `used` every PERIOD
-- instructions, and work done inside C library functions is charged to
-- `used` too (see below), so a call stops after `limit` instructions'
-- worth of work, at the same point on every run. Once stopped, the hook
-- fails at every instruction, so a predicate that catches the error with
-- pcall fails again at its next instruction and the error always reaches
-- the host, naming the place where the limit was first hit.
local PERIOD = limit < 1000 and limit or 1000
local used, stopped = 0, nil

local function failing() error(stopped, 0) end

local function stop(level)
  if not stopped then
    -- The innermost line of module code (not the sandbox's or the matcher's);
    -- none when a tail call has replaced the module's frame.
    local where = ""
    while true do
      local info = getinfo(level, "Sl")
      if not info then break end
      if info.currentline > 0 and info.source ~= "=sandbox" and info.source ~= "=patterns" then
        where = " at " .. info.short_src .. ":" .. info.currentline
        break
      end
      level = level + 1
    end
    stopped = "instruction limit of " .. limit .. " exceeded" .. where
    sethook(failing, "", 1)
  end
  error(stopped, 0)
end

local function hook()
  used = used + PERIOD
  if used >= limit then stop(3) end
end

-- Charges `units` instructions' worth of work done in C.
local function charge(units)
  used = used + units
  if used >= limit then stop(4) end
end

-- Calls fn(...) with a fresh instruction budget; returns its first result.
-- On an error the host clears the hook itself (this code never resumes).
local function invoke(fn, ...)
  used, stopped = 0, nil
  sethook(hook, "", PERIOD)
  local result = fn(...)
  sethook()
  return result
end

-- Work in C is charged at one instruction per 16 bytes or per element
-- handled: before the call when nothing else bounds it (string.rep of an
-- empty string loops n times, table.move and table.concat loop over any
-- range), after it when the result's size does (a string the memory limit
-- bounds). Lua patterns backtrack in C without bound, so a pattern that
-- could take more than C_STEPS steps on its subject runs in the Lua
-- matcher (patterns.lua) instead, where every step is counted.
local S, T, U = string, table, utf8
local cfind, cmatch, cgmatch, cgsub, crep = S.find, S.match, S.gmatch, S.gsub, S.rep
local C_STEPS, C_STEPS_PER_UNIT = 2 ^ 24, 256
-- The characters that make a pattern more than plain text (lstrlib.c's SPECIALS).
local SPECIAL = "[%^%$%*%+%?%.%(%[%%%-]"

local function bytes(n) return n / 16 + 1 end
local function after(r)
  if type(r) == "string" then charge(bytes(#r)) end
  return r
end
local function counted(...)
  charge(bytes(select("#", ...)))
  return ...
end

local cbyte = S.byte
local cost_cache, cached = {}, 0

-- The worst-case backtracking factor of a pattern on a subject of n bytes:
-- each unbounded repetition (`*`, `+`, `-` after a single class, `%b`)
-- multiplies the steps by up to n+1, each `?` by 2. Items are read the way
-- lstrlib.c's classEnd reads them, so escapes and sets are not miscounted.
local function repetitions(p)
  local q, o, i, n = 0, 0, 1, #p
  while i <= n do
    local c = cbyte(p, i)
    local single = true
    if c == 37 then -- '%'
      local d = cbyte(p, i + 1)
      if d == 98 then -- %bxy
        q, i, single = q + 1, i + 4, false
      elseif d == 102 then -- %f[set]
        i, c, single = i + 2, 91, false
      else
        i = i + 2
      end
    elseif c == 40 or c == 41 then -- ( )
      i, single = i + 1, false
    elseif c ~= 91 then
      i = i + 1
    end
    if c == 91 and cbyte(p, i) == 91 then -- a set: skip to its closing ']'
      i = i + 1
      if cbyte(p, i) == 94 then i = i + 1 end
      repeat
        if cbyte(p, i) == 37 then i = i + 1 end
        i = i + 1
      until i > n or cbyte(p, i) == 93
      i = i + 1
    end
    if single then
      local r = cbyte(p, i)
      if r == 42 or r == 43 or r == 45 then q, i = q + 1, i + 1
      elseif r == 63 then o, i = o + 1, i + 1 end
    end
  end
  return q, o
end

-- What a pattern costs: { exponent, factor, plain } (see c_cost), cached.
local function pattern_cost(p)
  local rep = cost_cache[p]
  if not rep then
    local q, o = repetitions(p)
    rep = { q + 1, 2 ^ o * (#p + 1), not cfind(p, SPECIAL) }
    if cached >= 256 then cost_cache, cached = {}, 0 end
    cost_cache[p], cached = rep, cached + 1
  end
  return rep
end

-- Units to charge for the C matcher on subject s, or nil when it could take
-- more than C_STEPS steps: then the Lua matcher runs instead.
local function c_cost(s, p)
  local rep = pattern_cost(p)
  local steps = (#s + 1) ^ rep[1] * rep[2]
  if steps > C_STEPS then return nil end
  return steps / C_STEPS_PER_UNIT + 1
end

local function integer_arg(v, n, name)
  if v == nil then return nil end
  local i = tonumber(v)
  i = i and tointeger(i)
  if i == nil then
    error("bad argument #" .. n .. " to '" .. name .. "' (number has no integer representation)", 3)
  end
  return i
end

-- A number subject or pattern as the string C would coerce it to, so the
-- cost checks below see it; anything else goes to C unchanged and raises
-- C's own type error there.
local function text(v)
  if type(v) == "number" then return tostring(v) end
  return v
end

S.find = function(s, p, init, plain)
  s, p = text(s), text(p)
  if type(s) ~= "string" or type(p) ~= "string" then return cfind(s, p, init, plain) end
  if plain or pattern_cost(p)[3] then
    charge(bytes((#s + 1) * (#p + 1)))
    return cfind(s, p, init, plain)
  end
  local units = c_cost(s, p)
  if units then
    charge(units)
    return cfind(s, p, init)
  end
  return patterns.find(s, p, integer_arg(init, 3, "find"))
end

-- string.NAME (match, gmatch): the C function `cfn` when its cost on the
-- subject is bounded (charged up front), else the counted matcher `counted_fn`.
local function metered(cfn, counted_fn, name)
  return function(s, p, init)
    s, p = text(s), text(p)
    if type(s) ~= "string" or type(p) ~= "string" then return cfn(s, p, init) end
    local units = c_cost(s, p)
    if units then
      charge(units)
      return cfn(s, p, init)
    end
    return counted_fn(s, p, integer_arg(init, 3, name))
  end
end

S.match = metered(cmatch, patterns.match, "match")
S.gmatch = metered(cgmatch, patterns.gmatch, "gmatch")

S.gsub = function(s, p, repl, n)
  s, p = text(s), text(p)
  local tr = type(repl)
  if type(s) ~= "string" or type(p) ~= "string" or
    (tr ~= "string" and tr ~= "number" and tr ~= "table" and tr ~= "function") then
    return cgsub(s, p, repl, n)
  end
  local units = c_cost(s, p)
  if units then
    charge(units)
    local r, k = cgsub(s, p, repl, n)
    return after(r), k
  end
  return patterns.gsub(s, p, repl, integer_arg(n, 4, "gsub"))
end

S.rep = function(s, n, sep)
  local k = tonumber(n)
  if k and k > 0 and (type(s) == "string" or type(s) == "number") then
    sep = text(sep)
    local ls, lsep = #tostring(s), type(sep) == "string" and #sep or 0
    local total = k * ls + (k - 1) * lsep
    -- Refused before C allocates it (the host's string cap would stop it later).
    if total > max_string then
      error(("a string of %.0f bytes exceeds the limit of %d KB per string")
        :format(total, max_string // 1024), 2)
    end
    charge(k / 16 + total / 16)
  end
  return crep(s, n, sep)
end

for _, name in ipairs({ "upper", "lower", "reverse", "sub", "format", "char", "pack" }) do
  local f = S[name]
  S[name] = function(...) return after(f(...)) end
end
S.byte = function(...) return counted(cbyte(...)) end

-- Elements a table function will visit: i..j, with j the raw length by default.
local function span(t, i, j)
  i = tonumber(i) or 1
  j = tonumber(j) or (type(t) == "table" and rawlen(t) or 0)
  return j >= i and j - i + 1 or 0
end

local cconcat, cunpack, cmove, csort, cinsert, cremove = T.concat, T.unpack, T.move, T.sort,
  T.insert, T.remove
T.concat = function(t, sep, i, j)
  charge(bytes(span(t, i, j)))
  return after(cconcat(t, sep, i, j))
end
T.unpack = function(t, i, j)
  charge(bytes(span(t, i, j)))
  return cunpack(t, i, j)
end
T.move = function(a1, f, e, t, a2)
  charge(span(nil, f, e) / 2 + 1)
  return cmove(a1, f, e, t, a2)
end
T.sort = function(t, comp)
  local n = type(t) == "table" and rawlen(t) or 0
  charge(n * math.log(n + 1, 2) / 2 + 1)
  return csort(t, comp)
end
T.insert = function(t, ...)
  charge(bytes(type(t) == "table" and rawlen(t) or 0))
  return cinsert(t, ...)
end
T.remove = function(t, ...)
  charge(bytes(type(t) == "table" and rawlen(t) or 0))
  return cremove(t, ...)
end
T.pack = function(...)
  charge(bytes(select("#", ...)))
  return { n = select("#", ...), ... }
end

local uchar, ulen, ucodepoint, uoffset = U.char, U.len, U.codepoint, U.offset
U.char = function(...) return after(uchar(...)) end
U.len = function(s, ...)
  s = text(s)
  if type(s) == "string" then charge(bytes(#s)) end
  return ulen(s, ...)
end
U.codepoint = function(s, ...)
  s = text(s)
  if type(s) == "string" then charge(bytes(#s)) end
  return counted(ucodepoint(s, ...))
end
U.offset = function(s, ...)
  s = text(s)
  if type(s) == "string" then charge(bytes(#s)) end
  return uoffset(s, ...)
end

local FORBIDDEN = {
  io = true, os = true, package = true, require = true, dofile = true, loadfile = true,
  debug = true, collectgarbage = true, print = true, warn = true, coroutine = true,
}
for name in next, FORBIDDEN do G[name] = nil end
string.dump = nil

-- Text chunks only, in the sandbox's globals unless an environment is given.
G.load = function(chunk, name, _, ...)
  if type(chunk) == "string" then charge(bytes(#chunk)) end
  if select("#", ...) > 0 then return load(chunk, name, "t", (...)) end
  return load(chunk, name, "t", G)
end

G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in the Kestrel Lua sandbox", 2)
  end
  return setmetatable(t, mt)
end

randomseed(0)
math.randomseed = function(...)
  if select("#", ...) == 0 then
    error("math.randomseed needs a seed in the Kestrel Lua sandbox (replay is deterministic)", 2)
  end
  return randomseed(...)
end

-- The string metatable is shared by every string: lock it.
getmetatable("").__metatable = false

-- Globals a module defines itself are its functions; these are the sandbox's.
local builtin = {}
for name in next, G do builtin[name] = true end

setmetatable(G, {
  __index = function(_, name)
    if FORBIDDEN[name] then
      error(tostring(name) .. " is not available in the Kestrel Lua sandbox", 2)
    end
  end,
  __metatable = false,
})

-- Loads a module: its text runs once under the instruction limit and
-- returns a table of functions, or defines global functions. Returns the
-- table and the names of its functions, sorted, one per line.
local function load_module(source, chunkname)
  local chunk, err = load(source, chunkname, "t", G)
  if not chunk then error(err, 0) end
  local m = invoke(chunk)
  local names = {}
  if m == nil then
    m = G
    for name, v in next, G do
      if type(name) == "string" and type(v) == "function" and not builtin[name] then
        names[#names + 1] = name
      end
    end
  elseif type(m) == "table" then
    -- next, not pairs: a __pairs metamethod would run outside the limit.
    for name, v in next, m do
      if type(name) == "string" and type(v) == "function" then names[#names + 1] = name end
    end
  else
    error("the module returned a " .. type(m) .. "; a module returns a table of functions " ..
      "or defines global functions", 0)
  end
  sort(names)
  return m, concat(names, "\n")
end

return invoke, load_module
