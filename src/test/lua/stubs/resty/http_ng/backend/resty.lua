-- Stub of resty.http_ng.backend.resty: only passed through to the backend client.
return { name = 'resty http_ng backend stub' }
