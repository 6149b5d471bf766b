-- Stub of APIcast's reports_batch (gateway/src/apicast/policy/3scale_batcher/reports_batch.lua): the reports
-- summed per credential and metric, for the credential type of the first report.
local _M = {}

function _M.new(service_id, reports)
  local self = { service_id = service_id, reports = {} }
  local first = reports[1]
  if first then
    self.credentials_type = (first.user_key and 'user_key') or (first.app_id and 'app_id')
        or (first.access_token and 'access_token')
  end
  for _, r in ipairs(reports) do
    local credential = r[self.credentials_type]
    self.reports[credential] = self.reports[credential] or {}
    self.reports[credential][r.metric] = (self.reports[credential][r.metric] or 0) + r.value
  end
  return self
end

return _M
