-- remove-bearer: lets a 3scale user key be sent as an OAuth-style bearer token.
--
-- The product's proxy looks the user key up in the "Authorization" header (auth_user_key). Clients of
-- OpenAI-compatible APIs send "Authorization: Bearer <key>", so in the rewrite phase, before the APIcast policy
-- authenticates the request, this policy replaces the header's value by the bare key.

local policy = require('apicast.policy')
local _M = policy.new('remove-bearer', '0.1.0')

local new = _M.new

function _M.new(configuration)
  return new(configuration)
end

-- The credential without a leading "Bearer" scheme (letters in any case, followed by at least one blank),
-- with surrounding blanks trimmed. Values without that scheme are returned unchanged; nil stays nil.
function _M.strip_bearer(value)
  if type(value) ~= 'string' then
    return value
  end
  local credential = value:match('^%s*[Bb][Ee][Aa][Rr][Ee][Rr]%s+(.-)%s*$')
  if credential == nil then
    return value
  end
  return credential
end

function _M:rewrite()
  local value = ngx.req.get_headers()['Authorization']
  if type(value) == 'table' then
    -- A repeated header: APIcast reads the first one, so that is the one to fix.
    value = value[1]
  end
  local stripped = _M.strip_bearer(value)
  if stripped ~= value then
    ngx.req.set_header('Authorization', stripped)
  end
end

return _M
