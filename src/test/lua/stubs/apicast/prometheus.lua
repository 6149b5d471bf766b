-- Stub of APIcast's apicast.prometheus (gateway/src/apicast/prometheus.lua): prometheus(type, name, help, labels)
-- returns the metric of that name. Here each metric records its values per label set, for the specs to read.
local _M = { metrics = {} }

local Metric = {}
Metric.__index = Metric

function Metric:inc(value, labels)
  assert(type(value) == 'number', 'inc needs a number')
  assert(#labels == #self.label_names, 'expected ' .. #self.label_names .. ' label values for ' .. self.name)
  local key = table.concat(labels, ',')
  self.values[key] = (self.values[key] or 0) + value
end

--- The value of a metric for the given label values, 0 when never incremented.
function _M.value(name, labels)
  local metric = assert(_M.metrics[name], 'no metric ' .. name)
  return metric.values[table.concat(labels, ',')] or 0
end

function _M.reset()
  for _, metric in pairs(_M.metrics) do
    metric.values = {}
  end
end

return setmetatable(_M, {
  __call = function(_, kind, name, help, label_names)
    assert(kind == 'counter' or kind == 'gauge' or kind == 'histogram', 'unknown metric type ' .. tostring(kind))
    assert(type(help) == 'string', 'missing help text')
    if not _M.metrics[name] then
      _M.metrics[name] = setmetatable({ kind = kind, name = name, label_names = label_names or {}, values = {} },
        Metric)
    end
    return _M.metrics[name]
  end,
})
