-- The policies run in APIcast's OpenResty, whose Lua is LuaJIT (Lua 5.1 with LuaJIT's extensions): so do the specs.
describe('the Lua of the specs', function()
  it('is LuaJIT, as in APIcast', function()
    assert.is_not_nil(jit, 'run busted with --lua=luajit')
    assert.are.equal('Lua 5.1', _VERSION)
  end)

  it('has the real lua-cjson', function()
    local cjson = require('cjson.safe')
    assert.are.same({ a = { 1, 2 } }, cjson.decode('{"a":[1,2]}'))
    assert.is_nil(cjson.decode('{'))
  end)
end)
