-- llm-token-usage: meters the tokens of OpenAI-compatible responses and reports them to 3scale.
--
-- A chat or completion response of an OpenAI-compatible server carries a "usage" object
-- ({"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42}). This policy reads it, without holding back
-- or changing the response, and
--   * reports the three numbers as metrics of the product (configurable names, default prompt_tokens,
--     completion_tokens and total_tokens) for the calling application, so that 3scale counts them against the
--     application plan's limits and shows them in its analytics;
--   * adds them to Prometheus counters per product (llm_prompt_tokens, llm_completion_tokens, llm_total_tokens).
--
-- 3scale's backend checks a limit only for the metrics in the usage of the authorization call
-- (apisonator lib/3scale/backend/validators/limits.rb keeps the counters of the metrics of the request's usage, and
-- their parents, before comparing them with the plan's limits), and the tokens are known only after the response.
-- So that token limits are enforced, the policy adds 1 to each token metric in the usage the APIcast policy
-- authorizes: a request is refused once a period's limit is reached. After the response it reports the rest
-- (the count minus that 1).
--
-- Phases (APIcast runs each policy method named after an nginx phase, gateway/src/apicast/policy.lua):
--   rewrite       removes Accept-Encoding, so the model server answers uncompressed; when a streamed request does not
--                 ask for usage, adds "stream_options": {"include_usage": true} so the last event carries it.
--   access        adds 1 to each token metric in context.usage, which the APIcast policy's rewrite filled with the
--                 mapping rules' usage and its access, after this one, authorizes (gateway/src/apicast/proxy.lua).
--                 A request that matched no mapping rule is left with an empty usage, so APIcast still refuses it.
--   header_filter decides whether the response can be metered: a 2xx status, no Content-Encoding, JSON or SSE.
--   body_filter   reads a copy of each chunk: a JSON body is collected (up to max_body_bytes) and decoded at the end;
--                 an SSE stream is read event by event (lines may be split across chunks) keeping the last usage.
--   post_action   reports the usage, the way APIcast's Custom Metrics policy does
--                 (gateway/src/apicast/policy/custom_metrics/custom_metrics.lua): when the APIcast policy reports
--                 asynchronously (a cached authorization, ngx.var.cached_key set), the tokens join its usage;
--                 otherwise they are sent in a report call of their own. The policy must come before the APIcast
--                 policy in the chain, so that its post_action runs first.
-- Error responses, responses without usage and compressed responses pass through untouched and are not counted.

local policy = require('apicast.policy')
local Usage = require('apicast.usage')
local prometheus = require('apicast.prometheus')
local cjson = require('cjson.safe')

local _M = policy.new('llm-token-usage', '0.1.0')

local new = _M.new
local type = type
local tonumber = tonumber
local floor = math.floor
local concat = table.concat
local insert = table.insert
local ipairs = ipairs
local pairs = pairs
local pcall = pcall
local tostring = tostring

_M.DEFAULT_METRICS = {
  prompt_tokens = 'prompt_tokens',
  completion_tokens = 'completion_tokens',
  total_tokens = 'total_tokens',
}
_M.DEFAULT_MAX_BODY_BYTES = 1048576
-- The usage fields in the order they are reported.
local FIELDS = { 'prompt_tokens', 'completion_tokens', 'total_tokens' }
local STATE = 'llm_token_usage'

local counters = {
  prompt_tokens = prometheus('counter', 'llm_prompt_tokens', 'Prompt tokens of LLM responses',
    { 'service_id', 'service_system_name' }),
  completion_tokens = prometheus('counter', 'llm_completion_tokens', 'Completion tokens of LLM responses',
    { 'service_id', 'service_system_name' }),
  total_tokens = prometheus('counter', 'llm_total_tokens', 'Total tokens of LLM responses',
    { 'service_id', 'service_system_name' }),
}
local skipped_counter = prometheus('counter', 'llm_token_usage_skipped',
  'Successful LLM responses whose tokens could not be counted', { 'reason', 'service_id', 'service_system_name' })

local function metric_name(configured, default)
  if configured == nil then
    return default
  end
  if type(configured) ~= 'string' then
    return default
  end
  -- An empty name turns that metric off (it is not reported to 3scale).
  return configured
end

--- Creates the policy from its configuration (see apicast-policy.json).
function _M.new(config)
  local self = new(config)
  local c = config or {}
  self.metrics = {
    prompt_tokens = metric_name(c.prompt_tokens_metric, _M.DEFAULT_METRICS.prompt_tokens),
    completion_tokens = metric_name(c.completion_tokens_metric, _M.DEFAULT_METRICS.completion_tokens),
    total_tokens = metric_name(c.total_tokens_metric, _M.DEFAULT_METRICS.total_tokens),
  }
  self.include_usage_in_streams = c.include_usage_in_streams ~= false
  self.check_limits_before_request = c.check_limits_before_request ~= false
  self.max_body_bytes = tonumber(c.max_body_bytes) or _M.DEFAULT_MAX_BODY_BYTES
  return self
end

-- The media type of a Content-Type value, lower case, without parameters.
local function media_type(content_type)
  if type(content_type) == 'table' then
    content_type = content_type[1]
  end
  if type(content_type) ~= 'string' then
    return nil
  end
  return (content_type:match('^%s*([^;%s]+)') or ''):lower()
end

function _M.body_kind(content_type)
  local media = media_type(content_type)
  if media == nil then
    return nil
  end
  if media == 'text/event-stream' then
    return 'sse'
  end
  if media == 'application/json' or media:match('^application/[^/]+%+json$') then
    return 'json'
  end
  return nil
end

--- The usage of a decoded response, as three non-negative integers, or nil when it has none.
-- A missing total is the sum of the other two; a missing prompt or completion count is 0.
function _M.usage_of(decoded)
  if type(decoded) ~= 'table' then
    return nil
  end
  local usage = decoded.usage
  if type(usage) ~= 'table' then
    return nil
  end
  local result = {}
  local found = false
  for _, field in ipairs(FIELDS) do
    local n = usage[field]
    if type(n) == 'number' and n >= 0 and n == n and n < math.huge then
      result[field] = floor(n)
      found = true
    else
      result[field] = nil
    end
  end
  if not found then
    return nil
  end
  result.prompt_tokens = result.prompt_tokens or 0
  result.completion_tokens = result.completion_tokens or 0
  result.total_tokens = result.total_tokens or (result.prompt_tokens + result.completion_tokens)
  return result
end

-- Adds stream_options.include_usage to a streamed request that does not mention stream_options, by inserting the
-- member as text: decoding and encoding again would change the request (cjson turns [] into {} and rounds
-- large integers). A request that sets stream_options itself is left as the client wrote it.
function _M.ask_for_stream_usage(body)
  if type(body) ~= 'string' or not body:find('"stream"', 1, true) then
    return nil
  end
  local payload = cjson.decode(body)
  if type(payload) ~= 'table' or payload.stream ~= true or payload.stream_options ~= nil then
    return nil
  end
  local start = body:find('{', 1, true)
  if not start or body:sub(1, start - 1):match('%S') then
    return nil
  end
  return body:sub(1, start) .. '"stream_options":{"include_usage":true},' .. body:sub(start + 1)
end

local function state(context)
  local s = context[STATE]
  if not s then
    s = {}
    context[STATE] = s
  end
  return s
end

function _M:rewrite()
  -- Ask the model server for an uncompressed body: a compressed one cannot be read here.
  ngx.req.clear_header('Accept-Encoding')

  if not self.include_usage_in_streams or ngx.req.get_method() ~= 'POST' then
    return
  end
  local content_type = ngx.req.get_headers()['Content-Type']
  if _M.body_kind(content_type) ~= 'json' then
    return
  end
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body == nil then
    -- Empty, or larger than client_body_buffer_size and kept in a file: left as it is.
    return
  end
  local changed = _M.ask_for_stream_usage(body)
  if changed then
    ngx.req.set_body_data(changed)
    ngx.req.set_header('Content-Length', tostring(#changed))
  end
end

function _M:access(context)
  if not self.check_limits_before_request or not context then
    return
  end
  local usage = context.usage
  -- No usage: no mapping rule matched, and APIcast refuses the request for that (proxy.lua authorize); a token
  -- metric alone would let it through.
  if not usage or #usage.metrics == 0 then
    return
  end
  for _, field in ipairs(FIELDS) do
    local metric = self.metrics[field]
    if metric ~= '' then
      usage:add(metric, 1)
    end
  end
  state(context).counted_before = 1
end

local function skip(context, reason, message)
  local s = state(context)
  s.kind = nil
  s.skipped = reason
  if message then
    ngx.log(ngx.WARN, 'llm-token-usage: ', message)
  end
  if skipped_counter then
    local service = context.service or {}
    skipped_counter:inc(1, { reason, service.id or '', service.system_name or '' })
  end
end

function _M:header_filter(context)
  local s = state(context)
  local status = ngx.status
  if type(status) ~= 'number' or status < 200 or status > 299 then
    -- Errors are not metered and pass through untouched.
    return
  end
  local headers = ngx.resp.get_headers()
  local kind = _M.body_kind(headers['Content-Type'])
  if kind == nil then
    return
  end
  local encoding = headers['Content-Encoding']
  if type(encoding) == 'table' then
    encoding = concat(encoding, ',')
  end
  if encoding ~= nil and encoding:lower():match('^%s*(.-)%s*$') ~= 'identity' and encoding:match('%S') then
    return skip(context, 'encoded', 'the response is encoded (Content-Encoding: ' .. encoding .. '), its tokens'
      .. ' are not counted: the model server should honour a request without Accept-Encoding')
  end
  s.kind = kind
  s.size = 0
  s.parts = {}
  if kind == 'sse' then
    s.line = {}
    s.data = {}
  end
end

-- SSE (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation): an event is a
-- run of lines ended by an empty line; its data is its "data:" lines joined by "\n".
local function dispatch_event(s)
  if #s.data == 0 then
    return
  end
  local data = concat(s.data, '\n')
  s.data = {}
  if data == '[DONE]' or not data:find('"usage"', 1, true) then
    return
  end
  local usage = _M.usage_of(cjson.decode(data))
  if usage then
    -- Servers that send usage in every event send running totals: the last one counts.
    s.usage = usage
  end
end

local function sse_line(s, line)
  if line:sub(-1) == '\r' then
    line = line:sub(1, -2)
  end
  if line == '' then
    return dispatch_event(s)
  end
  local field, value = line:match('^([^:]*):? ?(.*)$')
  if field == 'data' then
    insert(s.data, value)
  end
end

local function read_sse(context, s, chunk, eof)
  local from = 1
  while true do
    local nl = chunk:find('\n', from, true)
    if not nl then
      break
    end
    local piece = chunk:sub(from, nl - 1)
    if #s.line > 0 then
      insert(s.line, piece)
      piece = concat(s.line)
      s.line = {}
      s.size = 0
    end
    sse_line(s, piece)
    from = nl + 1
  end
  if from <= #chunk then
    local rest = chunk:sub(from)
    s.size = s.size + #rest
    if s.size > s.max then
      return skip(context, 'too_large', 'an event of the stream is longer than max_body_bytes, its tokens'
        .. ' are not counted')
    end
    insert(s.line, rest)
  end
  if eof then
    if #s.line > 0 then
      sse_line(s, concat(s.line))
      s.line = {}
    end
    dispatch_event(s)
  end
end

local function read_json(context, s, chunk, eof)
  if #chunk > 0 then
    s.size = s.size + #chunk
    if s.size > s.max then
      return skip(context, 'too_large', 'the response is longer than max_body_bytes (' .. s.max .. ' bytes), its'
        .. ' tokens are not counted')
    end
    insert(s.parts, chunk)
  end
  if eof then
    local body = concat(s.parts)
    s.parts = {}
    s.usage = _M.usage_of(cjson.decode(body))
  end
end

function _M:body_filter(context)
  local s = context[STATE]
  if not s or not s.kind or s.done then
    return
  end
  s.max = self.max_body_bytes
  -- ngx.arg[1] is read, never assigned: the client gets the body exactly as the model server sent it.
  local chunk, eof = ngx.arg[1], ngx.arg[2]
  if type(chunk) ~= 'string' then
    chunk = ''
  end
  if s.kind == 'sse' then
    read_sse(context, s, chunk, eof)
  else
    read_json(context, s, chunk, eof)
  end
  if eof and s.kind then
    s.done = true
    if not s.usage then
      skip(context, 'no_usage', nil)
    end
  end
end

--- The usage to report, as an APIcast Usage of the configured metrics: the counts minus what the authorization
-- already counted (counted_before), metrics named '' and counts left at 0 or below left out.
function _M:usage_to_report(tokens, counted_before)
  local usage = Usage.new()
  local any = false
  for _, field in ipairs(FIELDS) do
    local metric = self.metrics[field]
    local value = tokens[field] and tokens[field] - (counted_before or 0)
    if metric ~= '' and value and value > 0 then
      usage:add(metric, value)
      any = true
    end
  end
  return any and usage or nil
end

-- Sends the usage in a report call of its own, for the application of the request's credentials
-- (as custom_metrics.lua's report does).
function _M.report(context, usage)
  local backend_client = require('apicast.backend_client')
  local http_ng_resty = require('resty.http_ng.backend.resty')
  local ReportsBatch = require('apicast.policy.3scale_batcher.reports_batch')
  local service = context.service
  local ok, backend = pcall(backend_client.new, backend_client, service, http_ng_resty)
  if not ok or not backend then
    ngx.log(ngx.WARN, 'llm-token-usage: cannot report tokens, no 3scale backend for service ', service.id)
    return
  end
  local reports = {}
  for _, metric in ipairs(usage.metrics) do
    local report = {}
    for k, v in pairs(context.credentials or {}) do
      report[k] = v
    end
    report.metric = metric
    report.value = usage.deltas[metric]
    report.service_id = service.id
    insert(reports, report)
  end
  local res = backend:report(ReportsBatch.new(service.id, reports))
  if not res or res.status ~= 200 and res.status ~= 202 then
    ngx.log(ngx.WARN, 'llm-token-usage: reporting tokens to 3scale failed with status ', res and res.status)
  end
end

local function cached(key)
  -- The APIcast policy reports in post_action only when this is set (gateway/src/apicast/proxy.lua post_action).
  return key ~= nil and key ~= '' and key ~= 'null'
end

function _M:post_action(context)
  local s = context[STATE]
  local tokens = s and s.usage
  if not tokens then
    return
  end
  s.usage = nil
  local service = context.service or {}
  for _, field in ipairs(FIELDS) do
    local counter = counters[field]
    if counter and tokens[field] > 0 then
      counter:inc(tokens[field], { service.id or '', service.system_name or '' })
    end
  end
  local usage = self:usage_to_report(tokens, s.counted_before)
  if not usage or not context.service then
    return
  end
  if cached(ngx.var.cached_key) and context.usage then
    context.usage:merge(usage)
  else
    _M.report(context, usage)
  end
end

return _M
