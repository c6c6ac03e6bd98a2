"""The machine API's infrastructure: OAuth2 clients (client credentials), bearer tokens, scopes,
problem details, the per-client rate limit and idempotent POSTs. Knows no domain (the endpoints live
in each domain's ``api.py``)."""
