-- Kestrel's Lua sandbox, run once in each fresh Lua state before any module.
--
-- Called with the instruction limit; returns `invoke` (calls a function
-- under the limit) and `load_module` (loads a module's text under the
-- limit). It keeps the debug functions it needs as upvalues, then removes
-- everything that reaches outside the state or makes runs differ: io, os,
-- package/require, dofile, loadfile, binary chunks, debug, collectgarbage,
-- print/warn (stdout carries alerts), coroutines (each would get its own
-- instruction count), __gc finalizers (they run with hooks off) and
-- randomly seeded randomness.

local limit = ...
local sethook, getinfo = debug.sethook, debug.getinfo
local error, load, type, rawget, next, select = error, load, type, rawget, next, select
local setmetatable, getmetatable, tostring = setmetatable, getmetatable, tostring
local sort, concat = table.sort, table.concat
local randomseed = math.randomseed
local G = _G

-- The instruction limit. The count hook fires after `limit` instructions;
-- from then on it fires at every instruction, so a predicate that catches
-- the error with pcall fails again at its next instruction and the error
-- always reaches the host, with the place where the limit was first hit.
local stopped
local function hook()
  if not stopped then
    local info = getinfo(2, "Sl")
    local where = "?"
    if info and info.currentline and info.currentline > 0 then
      where = info.short_src .. ":" .. info.currentline
    end
    stopped = "instruction limit of " .. limit .. " exceeded at " .. where
    sethook(hook, "", 1)
  end
  error(stopped, 0)
end

-- Calls fn(...) with a fresh instruction budget; returns its first result.
-- On an error the host clears the hook itself (this code never resumes).
local function invoke(fn, ...)
  stopped = nil
  sethook(hook, "", limit)
  local result = fn(...)
  sethook()
  return result
end

local FORBIDDEN = {
  io = true, os = true, package = true, require = true, dofile = true, loadfile = true,
  debug = true, collectgarbage = true, print = true, warn = true, coroutine = true,
}
for name in next, FORBIDDEN do G[name] = nil end
string.dump = nil

-- Text chunks only, in the sandbox's globals unless an environment is given.
G.load = function(chunk, name, _, ...)
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
