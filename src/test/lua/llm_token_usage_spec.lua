-- Specs of the llm-token-usage policy (installer-assets/policies/llm-token-usage) against stubs of the APIcast
-- modules it uses; cjson is the real lua-cjson.
local cjson = require('cjson')
local ngx_stub = require('ngx_stub')
local Usage = require('apicast.usage')
local prometheus = require('apicast.prometheus')
local backend_client = require('apicast.backend_client')
local llm_token_usage = require('llm_token_usage')

local SERVICE = { '42', 'granite' }

local function new_context()
  local usage = Usage.new()
  usage:add('hits', 1)
  return {
    service = { id = '42', system_name = 'granite', backend = { endpoint = 'http://backend-listener:3000' } },
    credentials = { user_key = 'secret-key' },
    usage = usage,
  }
end

local JSON_RESPONSE = cjson.encode({
  id = 'cmpl-1', object = 'chat.completion', model = 'granite',
  choices = { { index = 0, message = { role = 'assistant', content = 'Hello there' }, finish_reason = 'stop' } },
  usage = { prompt_tokens = 12, completion_tokens = 30, total_tokens = 42 },
})

local function sse(events)
  local lines = {}
  for _, e in ipairs(events) do
    table.insert(lines, 'data: ' .. (type(e) == 'string' and e or cjson.encode(e)) .. '\n\n')
  end
  return table.concat(lines)
end

local function delta(text)
  return { object = 'chat.completion.chunk', choices = { { index = 0, delta = { content = text } } } }
end

local STREAM = sse({
  delta('Hel'), delta('lo, '), delta('world'),
  { object = 'chat.completion.chunk', choices = {}, usage = { prompt_tokens = 7, completion_tokens = 3,
    total_tokens = 10 } },
  '[DONE]',
})

local function the_only_report()
  assert.are.equal(1, #backend_client.reports)
  return backend_client.reports[1]
end

describe('llm-token-usage', function()
  local policy, context

  before_each(function()
    prometheus.reset()
    backend_client.reset()
    policy = llm_token_usage.new({})
    context = new_context()
  end)

  describe('a plain JSON response', function()
    it('reports prompt, completion and total tokens for the calling application and passes the body unchanged',
      function()
        ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
        local received = ngx_stub.respond(policy, context, { JSON_RESPONSE })

        assert.are.equal(JSON_RESPONSE, received)
        local batch = the_only_report()
        assert.are.equal('42', batch.service_id)
        assert.are.equal('user_key', batch.credentials_type)
        assert.are.same({ ['secret-key'] = { prompt_tokens = 12, completion_tokens = 30, total_tokens = 42 } },
          batch.reports)
        assert.are.same({ 'hits' }, context.usage.metrics)
      end)

    it('adds the tokens to the Prometheus counters of the product', function()
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json; charset=utf-8' } })
      ngx_stub.respond(policy, context, { JSON_RESPONSE })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      ngx_stub.respond(policy, new_context(), { JSON_RESPONSE })

      assert.are.equal(24, prometheus.value('llm_prompt_tokens', SERVICE))
      assert.are.equal(60, prometheus.value('llm_completion_tokens', SERVICE))
      assert.are.equal(84, prometheus.value('llm_total_tokens', SERVICE))
      assert.are.same({ 'service_id', 'service_system_name' }, prometheus.metrics.llm_total_tokens.label_names)
      assert.are.equal('counter', prometheus.metrics.llm_total_tokens.kind)
    end)

    it('adds the tokens to the usage of the APIcast policy when it reports a cached authorization itself',
      function()
        ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' },
          var = { cached_key = '42:secret-key:usage%5Bhits%5D=1' } })
        ngx_stub.respond(policy, context, { JSON_RESPONSE })

        assert.are.equal(0, #backend_client.reports)
        assert.are.same({ 'hits', 'prompt_tokens', 'completion_tokens', 'total_tokens' }, context.usage.metrics)
        assert.are.same({ hits = 1, prompt_tokens = 12, completion_tokens = 30, total_tokens = 42 },
          context.usage.deltas)
      end)

    for _, key in ipairs({ '', 'null' }) do
      it('reports on its own when the cached key is "' .. key .. '" (APIcast does not report then)', function()
        ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' }, var = { cached_key = key } })
        ngx_stub.respond(policy, context, { JSON_RESPONSE })

        the_only_report()
        assert.are.same({ 'hits' }, context.usage.metrics)
      end)
    end

    it('reads a body split into many small chunks', function()
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      local received = ngx_stub.respond(policy, context, ngx_stub.split(JSON_RESPONSE, 3))

      assert.are.equal(JSON_RESPONSE, received)
      assert.are.same({ prompt_tokens = 12, completion_tokens = 30, total_tokens = 42 },
        the_only_report().reports['secret-key'])
    end)

    it('reports under the configured metric names and leaves out a metric whose name is empty', function()
      policy = llm_token_usage.new({ prompt_tokens_metric = 'input_tokens', completion_tokens_metric = '',
        total_tokens_metric = 'tokens' })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      ngx_stub.respond(policy, context, { JSON_RESPONSE })

      assert.are.same({ input_tokens = 12, tokens = 42 }, the_only_report().reports['secret-key'])
      assert.are.equal(30, prometheus.value('llm_completion_tokens', SERVICE))
    end)

    it('reports nothing and passes the body through when the response has no usage', function()
      local body = cjson.encode({ object = 'list', data = { { id = 'granite', object = 'model' } } })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      local received = ngx_stub.respond(policy, context, { body })

      assert.are.equal(body, received)
      assert.are.equal(0, #backend_client.reports)
      assert.are.same({ 'hits' }, context.usage.metrics)
      assert.are.equal(0, prometheus.value('llm_total_tokens', SERVICE))
      assert.are.equal(1, prometheus.value('llm_token_usage_skipped', { 'no_usage', '42', 'granite' }))
      assert.are.same({}, ngx.stub.messages(ngx.WARN))
    end)

    it('reports nothing for a body that is not JSON although labelled so', function()
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      local received = ngx_stub.respond(policy, context, { '{"usage": {"total_tokens": 4' })

      assert.are.equal('{"usage": {"total_tokens": 4', received)
      assert.are.equal(0, #backend_client.reports)
    end)

    it('does not read a response of another content type', function()
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/plain' } })
      local received = ngx_stub.respond(policy, context, { JSON_RESPONSE })

      assert.are.equal(JSON_RESPONSE, received)
      assert.are.equal(0, #backend_client.reports)
      assert.is_nil(context.llm_token_usage.kind)
    end)

    it('does not count a response longer than max_body_bytes, and says so', function()
      policy = llm_token_usage.new({ max_body_bytes = 1024 })
      local big = cjson.encode({ choices = { { message = { content = string.rep('x', 2000) } } },
        usage = { prompt_tokens = 1, completion_tokens = 2, total_tokens = 3 } })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      local received = ngx_stub.respond(policy, context, ngx_stub.split(big, 512))

      assert.are.equal(big, received)
      assert.are.equal(0, #backend_client.reports)
      assert.are.equal(1, prometheus.value('llm_token_usage_skipped', { 'too_large', '42', 'granite' }))
      assert.matches('max_body_bytes', ngx.stub.messages(ngx.WARN)[1], 1, true)
    end)
  end)

  describe('a streamed (SSE) response', function()
    it('reports the usage of the last event and passes the stream through unchanged', function()
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream; charset=utf-8' } })
      local received = ngx_stub.respond(policy, context, { STREAM })

      assert.are.equal(STREAM, received)
      assert.are.same({ prompt_tokens = 7, completion_tokens = 3, total_tokens = 10 },
        the_only_report().reports['secret-key'])
      assert.are.equal(10, prometheus.value('llm_total_tokens', SERVICE))
    end)

    it('finds the usage wherever the chunk boundaries split the lines', function()
      for size = 1, 64 do
        backend_client.reset()
        ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream' } })
        local received = ngx_stub.respond(policy, new_context(), ngx_stub.split(STREAM, size))

        assert.are.equal(STREAM, received)
        assert.are.same({ prompt_tokens = 7, completion_tokens = 3, total_tokens = 10 },
          the_only_report().reports['secret-key'], 'chunks of ' .. size .. ' bytes')
      end
    end)

    it('reads events with CRLF line ends, comments, other fields and a data line split over two chunks', function()
      local usage = cjson.encode({ choices = {}, usage = { prompt_tokens = 5, completion_tokens = 6,
        total_tokens = 11 } })
      local stream = ': keep-alive\r\n\r\nevent: message\r\nid: 1\r\ndata: ' .. cjson.encode(delta('a'))
        .. '\r\n\r\ndata:' .. usage .. '\r\n\r\ndata: [DONE]\r\n\r\n'
      local cut = stream:find('prompt_tokens', 1, true)
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream' } })
      ngx_stub.respond(policy, context, { stream:sub(1, cut), stream:sub(cut + 1) })

      assert.are.same({ prompt_tokens = 5, completion_tokens = 6, total_tokens = 11 },
        the_only_report().reports['secret-key'])
    end)

    it('takes the last usage when every event carries running totals', function()
      local stream = sse({
        { choices = { { delta = { content = 'a' } } }, usage = { prompt_tokens = 7, completion_tokens = 1,
          total_tokens = 8 } },
        { choices = { { delta = { content = 'b' } } }, usage = { prompt_tokens = 7, completion_tokens = 2,
          total_tokens = 9 } },
        '[DONE]',
      })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream' } })
      ngx_stub.respond(policy, context, { stream })

      assert.are.same({ prompt_tokens = 7, completion_tokens = 2, total_tokens = 9 },
        the_only_report().reports['secret-key'])
    end)

    it('counts a last event that is not followed by an empty line', function()
      local stream = 'data: ' .. cjson.encode({ choices = {}, usage = { prompt_tokens = 2, completion_tokens = 2,
        total_tokens = 4 } })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream' } })
      ngx_stub.respond(policy, context, { stream })

      assert.are.equal(4, the_only_report().reports['secret-key'].total_tokens)
    end)

    it('reports nothing when the stream has no usage', function()
      local stream = sse({ delta('Hel'), delta('lo'), '[DONE]' })
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream' } })
      local received = ngx_stub.respond(policy, context, ngx_stub.split(stream, 10))

      assert.are.equal(stream, received)
      assert.are.equal(0, #backend_client.reports)
      assert.are.same({ 'hits' }, context.usage.metrics)
      assert.are.equal(1, prometheus.value('llm_token_usage_skipped', { 'no_usage', '42', 'granite' }))
    end)

    it('ignores an event whose data is not JSON and keeps reading', function()
      local stream = 'data: {"usage": oops\n\n' .. STREAM
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'text/event-stream' } })
      ngx_stub.respond(policy, context, { stream })

      assert.are.equal(10, the_only_report().reports['secret-key'].total_tokens)
    end)
  end)

  describe('a compressed response', function()
    it('is avoided: the request goes upstream without Accept-Encoding', function()
      ngx_stub.install({ method = 'GET', request_headers = { ['Accept-Encoding'] = 'gzip, deflate',
        Authorization = 'secret-key' } })
      policy:rewrite(context)

      assert.is_nil(ngx.stub.request_headers()['Accept-Encoding'])
      assert.are.equal('secret-key', ngx.stub.request_headers().Authorization)
    end)

    it('is refused: not read, not counted, passed through, with a warning', function()
      local gzipped = '\31\139\8\0\0\0\0\0\0\3' .. string.rep('\255\0\1', 20)
      for _, kind in ipairs({ 'application/json', 'text/event-stream' }) do
        backend_client.reset()
        prometheus.reset()
        ngx_stub.install({ response_headers = { ['Content-Type'] = kind, ['Content-Encoding'] = 'gzip' } })
        local ctx = new_context()
        local received = ngx_stub.respond(policy, ctx, { gzipped })

        assert.are.equal(gzipped, received)
        assert.are.equal(0, #backend_client.reports)
        assert.are.same({ 'hits' }, ctx.usage.metrics)
        assert.are.equal(1, prometheus.value('llm_token_usage_skipped', { 'encoded', '42', 'granite' }))
        local warnings = ngx.stub.messages(ngx.WARN)
        assert.are.equal(1, #warnings)
        assert.matches('Content-Encoding: gzip', warnings[1], 1, true)
      end
    end)

    it('with Content-Encoding identity is read as usual', function()
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json',
        ['Content-Encoding'] = 'identity' } })
      ngx_stub.respond(policy, context, { JSON_RESPONSE })

      assert.are.equal(42, the_only_report().reports['secret-key'].total_tokens)
    end)
  end)

  describe('an error response', function()
    for _, status in ipairs({ 400, 401, 404, 429, 500, 503 }) do
      it('with status ' .. status .. ' passes through untouched and is not counted', function()
        local body = cjson.encode({ error = { message = 'no' }, usage = { prompt_tokens = 9, completion_tokens = 0,
          total_tokens = 9 } })
        ngx_stub.install({ status = status, response_headers = { ['Content-Type'] = 'application/json' } })
        local received = ngx_stub.respond(policy, context, { body })

        assert.are.equal(body, received)
        assert.are.equal(0, #backend_client.reports)
        assert.are.same({ hits = 1 }, context.usage.deltas)
        assert.are.equal(0, prometheus.value('llm_prompt_tokens', SERVICE))
        assert.are.equal(0, prometheus.value('llm_token_usage_skipped', { 'no_usage', '42', 'granite' }))
        assert.are.same({}, ngx.stub.logs)
      end)
    end
  end)

  describe('reporting', function()
    it('logs a warning and carries on when 3scale refuses the report', function()
      backend_client.status_to_return = 409
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      ngx_stub.respond(policy, context, { JSON_RESPONSE })

      assert.matches('409', ngx.stub.messages(ngx.WARN)[1], 1, true)
    end)

    it('logs a warning when the service has no backend endpoint', function()
      context.service.backend = nil
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      ngx_stub.respond(policy, context, { JSON_RESPONSE })

      assert.are.equal(0, #backend_client.reports)
      assert.matches('no 3scale backend', ngx.stub.messages(ngx.WARN)[1], 1, true)
    end)

    it('never logs the credentials', function()
      backend_client.status_to_return = 500
      ngx_stub.install({ response_headers = { ['Content-Type'] = 'application/json' } })
      ngx_stub.respond(policy, context, { JSON_RESPONSE })

      for _, l in ipairs(ngx.stub.logs) do
        assert.is_nil(l.message:find('secret-key', 1, true))
      end
    end)
  end)

  describe('token limits', function()
    local function request(policy_, context_, opts)
      ngx_stub.install({ method = 'POST', request_body = '{"model":"granite"}', var = opts and opts.var,
        request_headers = { ['Content-Type'] = 'application/json' },
        response_headers = { ['Content-Type'] = 'application/json' }, status = opts and opts.status })
      policy_:rewrite(context_)
      -- The APIcast policy, after this one in the chain, adds the mapping rules' usage in its rewrite
      -- (proxy.lua rewrite); every rewrite runs before any access.
      context_.usage = context_.usage or Usage.new()
      local rules = Usage.new()
      if not (opts and opts.no_rule_matched) then
        rules:add('hits', 1)
      end
      context_.usage:merge(rules)
      policy_:access(context_)
      return context_
    end

    it('are checked by 3scale with the request: each token metric is in the usage APIcast authorizes', function()
      local ctx = request(policy, { service = new_context().service, credentials = { user_key = 'secret-key' } })

      assert.are.same({ 'hits', 'prompt_tokens', 'completion_tokens', 'total_tokens' }, ctx.usage.metrics)
      assert.are.same({ prompt_tokens = 1, completion_tokens = 1, total_tokens = 1, hits = 1 }, ctx.usage.deltas)
    end)

    it('leave the usage of a request that matched no mapping rule empty, so APIcast still refuses it', function()
      local ctx = request(policy, { service = new_context().service, credentials = { user_key = 'secret-key' } },
        { no_rule_matched = true })

      assert.are.same({}, ctx.usage.metrics)
      assert.is_nil(ctx.llm_token_usage and ctx.llm_token_usage.counted_before)
    end)

    it('count the response\'s tokens once in all: the report after the response is the rest', function()
      local ctx = request(policy, new_context())
      ngx_stub.respond(policy, ctx, { JSON_RESPONSE })

      assert.are.same({ prompt_tokens = 11, completion_tokens = 29, total_tokens = 41 },
        the_only_report().reports['secret-key'])
      assert.are.equal(42, prometheus.value('llm_total_tokens', SERVICE))
    end)

    it('count the response\'s tokens once in all when APIcast reports a cached authorization', function()
      local ctx = request(policy, new_context(), { var = { cached_key = '42:secret-key' } })
      ngx_stub.respond(policy, ctx, { JSON_RESPONSE })

      assert.are.equal(0, #backend_client.reports)
      assert.are.same({ hits = 2, prompt_tokens = 12, completion_tokens = 30, total_tokens = 42 },
        ctx.usage.deltas)
    end)

    it('leave 1 counted for a response that cannot be metered, and report nothing more', function()
      local ctx = request(policy, new_context(), { status = 500 })
      ngx_stub.respond(policy, ctx, { '{"error":"boom"}' })

      assert.are.equal(0, #backend_client.reports)
      assert.are.equal(1, ctx.usage.deltas.total_tokens)
    end)

    it('report nothing more for a count of 1', function()
      local ctx = request(policy, new_context())
      ngx_stub.respond(policy, ctx, { cjson.encode({ usage = { prompt_tokens = 1, completion_tokens = 0,
        total_tokens = 1 } }) })

      assert.are.equal(0, #backend_client.reports)
    end)

    it('leave out metrics named \'\' and are not checked when check_limits_before_request is off', function()
      policy = llm_token_usage.new({ prompt_tokens_metric = '', completion_tokens_metric = '' })
      local ctx = request(policy, new_context())
      assert.are.same({ hits = 2, total_tokens = 1 }, ctx.usage.deltas)

      policy = llm_token_usage.new({ check_limits_before_request = false })
      ctx = request(policy, new_context())
      assert.are.same({ hits = 2 }, ctx.usage.deltas)
      ngx_stub.respond(policy, ctx, { JSON_RESPONSE })
      assert.are.equal(42, the_only_report().reports['secret-key'].total_tokens)
    end)
  end)

  describe('usage_of', function()
    it('reads the three counts', function()
      assert.are.same({ prompt_tokens = 1, completion_tokens = 2, total_tokens = 3 },
        llm_token_usage.usage_of({ usage = { prompt_tokens = 1, completion_tokens = 2, total_tokens = 3 } }))
    end)

    it('adds up a missing total and takes a missing count as 0', function()
      assert.are.same({ prompt_tokens = 4, completion_tokens = 0, total_tokens = 4 },
        llm_token_usage.usage_of({ usage = { prompt_tokens = 4 } }))
    end)

    it('ignores counts that are not non-negative numbers', function()
      assert.is_nil(llm_token_usage.usage_of({ usage = { prompt_tokens = '4', total_tokens = -1 } }))
      assert.is_nil(llm_token_usage.usage_of({ usage = cjson.null }))
      assert.is_nil(llm_token_usage.usage_of({ usage = {} }))
      assert.is_nil(llm_token_usage.usage_of('text'))
    end)
  end)

  describe('a streamed request', function()
    local function rewrite(body, opts)
      opts = opts or {}
      ngx_stub.install({ method = opts.method or 'POST', request_body = body,
        request_headers = { ['Content-Type'] = 'application/json', ['Content-Length'] = tostring(#body) } })
      policy:rewrite(context)
      return ngx.stub
    end

    it('asks for the usage when it has no stream_options, leaving the rest as the client wrote it', function()
      local body = '{"model":"granite","stream":true,"stop":[],"seed":12345678901234567,'
        .. '"messages":[{"role":"user","content":"hi"}]}'
      local stub = rewrite(body)

      assert.is_true(stub.body_replaced)
      assert.are.equal('{"stream_options":{"include_usage":true},' .. body:sub(2), stub.body)
      assert.are.equal(tostring(#stub.body), stub.request_headers()['Content-Length'])
      assert.is_true(cjson.decode(stub.body).stream_options.include_usage)
    end)

    it('is left alone when it sets stream_options itself', function()
      local stub = rewrite('{"model":"granite","stream":true,"stream_options":{"include_usage":false}}')
      assert.is_nil(stub.body_replaced)
    end)

    it('is left alone when it is not streamed, not JSON, or not a POST', function()
      assert.is_nil(rewrite('{"model":"granite","stream":false}').body_replaced)
      assert.is_nil(rewrite('{"model":"granite","messages":[]}').body_replaced)
      assert.is_nil(rewrite('"stream": true').body_replaced)
      assert.is_nil(rewrite('{"stream":true}', { method = 'GET' }).body_replaced)
    end)

    it('is left alone when include_usage_in_streams is off', function()
      policy = llm_token_usage.new({ include_usage_in_streams = false })
      assert.is_nil(rewrite('{"model":"granite","stream":true}').body_replaced)
    end)
  end)

  describe('its manifest', function()
    local root = os.getenv('MAAS_LUA_ROOT') or '.'
    local file = assert(io.open(root .. '/installer-assets/policies/llm-token-usage/apicast-policy.json'))
    local manifest = cjson.decode(file:read('*a'))
    file:close()

    it('has the version and the defaults of the module', function()
      assert.are.equal(llm_token_usage._VERSION, manifest.version)
      assert.are.equal('llm-token-usage', llm_token_usage._NAME)
      local properties = manifest.configuration.properties
      assert.are.equal(llm_token_usage.DEFAULT_METRICS.prompt_tokens, properties.prompt_tokens_metric.default)
      assert.are.equal(llm_token_usage.DEFAULT_METRICS.completion_tokens, properties.completion_tokens_metric.default)
      assert.are.equal(llm_token_usage.DEFAULT_METRICS.total_tokens, properties.total_tokens_metric.default)
      assert.are.equal(llm_token_usage.DEFAULT_MAX_BODY_BYTES, properties.max_body_bytes.default)
      assert.is_true(properties.include_usage_in_streams.default)
      assert.is_true(properties.check_limits_before_request.default)
    end)

    it('configures every option the module reads, and only those', function()
      local names = {}
      for name in pairs(manifest.configuration.properties) do table.insert(names, name) end
      table.sort(names)
      assert.are.same({ 'check_limits_before_request', 'completion_tokens_metric', 'include_usage_in_streams',
        'max_body_bytes',
        'prompt_tokens_metric', 'total_tokens_metric' }, names)
    end)
  end)
end)
