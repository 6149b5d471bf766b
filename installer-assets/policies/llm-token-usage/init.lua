-- Entry point loaded by APIcast's policy loader from policies/llm-token-usage/<version>/.
return require('llm_token_usage')
