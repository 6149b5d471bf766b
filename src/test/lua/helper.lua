-- Busted helper for the APIcast policy specs: puts the policies and the stubs of the APIcast modules they use on
-- the module path. Run from the repository root:
--   busted --lua=luajit --helper=src/test/lua/helper.lua src/test/lua
-- (dev.maas.installer.catalog.policy.LuaPolicySpecTest runs exactly this in the Maven build.)
local root = os.getenv('MAAS_LUA_ROOT') or '.'
package.path = table.concat({
  root .. '/src/test/lua/stubs/?.lua',
  root .. '/src/test/lua/support/?.lua',
  root .. '/installer-assets/policies/llm-token-usage/?.lua',
  root .. '/installer-assets/policies/remove-bearer/?.lua',
  package.path,
}, ';')
