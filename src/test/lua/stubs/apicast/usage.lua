-- Stub of APIcast's apicast.usage (gateway/src/apicast/usage.lua): metric deltas in the order they were added;
-- merge adds another usage's deltas and drops metrics whose delta is no longer positive.
local _M = {}
local mt = { __index = _M }

function _M.new()
  return setmetatable({ deltas = {}, metrics = {} }, mt)
end

function _M:add(metric, value)
  if self.deltas[metric] == nil then
    table.insert(self.metrics, metric)
    self.deltas[metric] = value
  else
    self.deltas[metric] = self.deltas[metric] + value
  end
end

function _M:merge(other)
  for _, metric in ipairs(other.metrics) do
    self:add(metric, other.deltas[metric])
    if self.deltas[metric] <= 0 then
      self.deltas[metric] = nil
      for i, m in ipairs(self.metrics) do
        if m == metric then table.remove(self.metrics, i) break end
      end
    end
  end
end

return _M
