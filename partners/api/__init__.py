"""The REST API's shared parts: how partner systems authenticate, how often they may call, what
the API accepts, and the base view every endpoint builds on (docs/adr/0009-api-clients.md).

`auth` holds what the REST framework settings name (authentication, permission, throttle,
parser) and imports no view, so the settings can load it while DRF itself is being imported.
"""
