-- A fresh `ngx` global for each spec: the parts of the lua-nginx-module API the policies use, with the request and
-- response as plain tables, and a record of what the policy did (headers set or cleared, body replaced, logs).
local _M = {}

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

--- Installs a new ngx global. opts: method, request_headers, request_body, status, response_headers, var.
function _M.install(opts)
  opts = opts or {}
  local request_headers = copy(opts.request_headers)
  local response_headers = copy(opts.response_headers)
  local state = {
    body = opts.request_body,
    body_read = false,
    logs = {},
    set_headers = {},
    cleared_headers = {},
  }

  local ngx = {
    DEBUG = 8, INFO = 7, NOTICE = 6, WARN = 5, ERR = 4,
    status = opts.status or 200,
    var = copy(opts.var),
    ctx = {},
    arg = {},
    stub = state,
    req = {},
    resp = {},
  }

  function ngx.log(level, ...)
    table.insert(state.logs, { level = level, message = table.concat({ ... }) })
  end

  function ngx.req.get_method() return opts.method or 'POST' end
  function ngx.req.get_headers() return copy(request_headers) end
  function ngx.req.set_header(name, value)
    request_headers[name] = value
    table.insert(state.set_headers, { name = name, value = value })
  end
  function ngx.req.clear_header(name)
    request_headers[name] = nil
    table.insert(state.cleared_headers, name)
  end
  function ngx.req.read_body() state.body_read = true end
  function ngx.req.get_body_data()
    assert(state.body_read, 'ngx.req.get_body_data() before ngx.req.read_body()')
    return state.body
  end
  function ngx.req.set_body_data(data)
    state.body = data
    state.body_replaced = true
  end
  function ngx.resp.get_headers() return copy(response_headers) end

  --- The request headers as the upstream would get them.
  function state.request_headers() return copy(request_headers) end
  --- The log messages at a level.
  function state.messages(level)
    local found = {}
    for _, l in ipairs(state.logs) do
      if l.level == level then table.insert(found, l.message) end
    end
    return found
  end

  _G.ngx = ngx
  return ngx
end

--- Runs a response through the policy as nginx would: header_filter, body_filter once per chunk then once with
-- the end-of-body flag, post_action. Returns what the client received (the chunks after each body_filter).
function _M.respond(policy, context, chunks)
  policy:header_filter(context)
  local received = {}
  local all = copy(chunks)
  table.insert(all, '')
  for i, chunk in ipairs(all) do
    ngx.arg[1] = chunk
    ngx.arg[2] = i == #all
    policy:body_filter(context)
    table.insert(received, ngx.arg[1])
    assert(ngx.arg[2] == (i == #all), 'the end-of-body flag was changed')
  end
  policy:post_action(context)
  return table.concat(received)
end

--- Splits text into chunks of at most n bytes.
function _M.split(text, n)
  local chunks = {}
  for i = 1, #text, n do
    table.insert(chunks, text:sub(i, i + n - 1))
  end
  return chunks
end

return _M
