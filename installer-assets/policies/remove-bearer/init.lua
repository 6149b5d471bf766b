-- Entry point loaded by APIcast's policy loader from policies/remove-bearer/<version>/.
return require('remove_bearer')
