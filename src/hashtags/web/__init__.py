"""The web app: server-rendered pages (Jinja2) on the platform's services, in Spanish and English.

Structure (see docs/architecture.md, "Web app"):

- ``pages/``: one module per area. Each defines ``router`` (a FastAPI ``APIRouter``) and
  ``NAV`` (its entries in the navigation bar). Modules are found by ``pages.discover()``: a new
  area (inbox, listening, security...) is one new module, its templates and its catalogue.
- ``templates/``: Jinja2, with ``{% trans %}`` / ``_()`` for every text people read.
- ``locale/es/LC_MESSAGES/*.po``: the Spanish catalogues, one per area, merged at start-up
  (messages are written in English, which needs no catalogue).
- ``static/``: our CSS and scripts; Plotly's script is served from the ``plotly`` package.
"""
