-- Specs of the remove-bearer policy (installer-assets/policies/remove-bearer) against stubs of the APIcast modules.
local ngx_stub = require('ngx_stub')
local remove_bearer = require('remove_bearer')

describe('remove-bearer', function()
  describe('strip_bearer', function()
    it('removes the Bearer scheme in any letter case and the blanks around the key', function()
      assert.are.equal('k1', remove_bearer.strip_bearer('Bearer k1'))
      assert.are.equal('k1', remove_bearer.strip_bearer('bearer k1'))
      assert.are.equal('k1', remove_bearer.strip_bearer('BEARER \t k1  '))
      assert.are.equal('k1', remove_bearer.strip_bearer('  BeArEr k1'))
    end)

    it('leaves any other value as it is', function()
      assert.are.equal('k1', remove_bearer.strip_bearer('k1'))
      assert.are.equal('Basic dXNlcjpwYXNz', remove_bearer.strip_bearer('Basic dXNlcjpwYXNz'))
      assert.are.equal('Bearerk1', remove_bearer.strip_bearer('Bearerk1'))
      assert.are.equal('Bearer', remove_bearer.strip_bearer('Bearer'))
      assert.are.equal('', remove_bearer.strip_bearer(''))
      assert.is_nil(remove_bearer.strip_bearer(nil))
    end)
  end)

  describe('rewrite', function()
    local policy

    before_each(function()
      policy = remove_bearer.new({})
    end)

    it('hands the bare key to the APIcast policy', function()
      ngx_stub.install({ request_headers = { Authorization = 'Bearer k1' } })
      policy:rewrite({})

      assert.are.equal('k1', ngx.stub.request_headers().Authorization)
    end)

    it('does not touch a bare key or a missing header', function()
      ngx_stub.install({ request_headers = { Authorization = 'k1' } })
      policy:rewrite({})
      assert.are.same({}, ngx.stub.set_headers)

      ngx_stub.install({ request_headers = {} })
      policy:rewrite({})
      assert.are.same({}, ngx.stub.set_headers)
      assert.is_nil(ngx.stub.request_headers().Authorization)
    end)

    it('fixes the first of repeated Authorization headers, the one APIcast reads', function()
      ngx_stub.install({ request_headers = { Authorization = { 'Bearer k1', 'Bearer k2' } } })
      policy:rewrite({})

      assert.are.equal('k1', ngx.stub.request_headers().Authorization)
    end)

    it('is the remove-bearer policy, version 0.1.0, with no-op methods for the other phases', function()
      assert.are.equal('remove-bearer', remove_bearer._NAME)
      assert.are.equal('0.1.0', remove_bearer._VERSION)
      assert.is_nil(policy:access({}))
    end)
  end)
end)
