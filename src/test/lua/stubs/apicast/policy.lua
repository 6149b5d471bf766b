-- Stub of APIcast's apicast.policy (gateway/src/apicast/policy.lua): a policy is a table with a no-op method per
-- nginx phase, and new() makes an instance whose methods are looked up in the policy table.
local _M = {}

_M.PHASES = { 'init', 'init_worker', 'rewrite', 'access', 'content', 'balancer', 'header_filter', 'body_filter',
  'post_action', 'log', 'metrics', 'ssl_certificate' }

function _M.new(name, version)
  local policy = { _NAME = name, _VERSION = version or '0.0' }
  local mt = { __index = policy }
  function policy.new()
    return setmetatable({}, mt)
  end
  for _, phase in ipairs(_M.PHASES) do
    policy[phase] = function() end
  end
  return policy, mt
end

return _M
