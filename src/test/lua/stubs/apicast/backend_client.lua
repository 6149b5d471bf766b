-- Stub of APIcast's apicast.backend_client (gateway/src/apicast/backend_client.lua): new(service, http_client)
-- fails without a backend endpoint; report(batch) records the batch and answers with status_to_return.
local _M = { reports = {}, status_to_return = 202 }

function _M:new(service, http_client)
  local endpoint = service and service.backend and service.backend.endpoint or error('missing endpoint')
  return setmetatable({ service = service, endpoint = endpoint, http_client = http_client },
    { __index = { report = function(_, batch)
      table.insert(_M.reports, batch)
      return { status = _M.status_to_return }
    end } })
end

function _M.reset()
  _M.reports = {}
  _M.status_to_return = 202
end

return _M
