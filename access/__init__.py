"""The one access layer: who is asking (`viewer`), what each protected resource shows them
(`rules`), how a person is redacted for them (`redaction`) and the only code that grants or
revokes object permissions (`grants`). See docs/adr/0012-one-access-layer.md.

Pages, the API, forms, exports, dashboards and the SQL of the reporting summaries all ask these
modules; no other module decides who may see what.
"""
