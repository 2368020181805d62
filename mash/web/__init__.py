"""The MASH Exchange web console (``mash web``), in the GOV.UK Design System's conventions.

MASH staff submit contacts, watch the agencies answer against the clock, read
the family picture their team received and record the MASH decision;
compliance officers explore and verify the sharing audit and download its
reports. Pages are rendered on the server from the broker's topics, read with
the project's own codec and keys. Modules:

- :mod:`mash.web.app`: the app factory, security headers, error pages;
- :mod:`mash.web.users` and :mod:`mash.web.sessions`: sign-in, roles and sessions;
- :mod:`mash.web.csrf`: the token every form carries;
- :mod:`mash.web.feed`: what the console follows on the broker;
- :mod:`mash.web.pages`: one module of routes per area;
- :mod:`mash.web.assets`: GOV.UK Frontend's compiled assets, served locally.

FastAPI and the templates are imported only by ``mash web`` itself, so the rest
of the ``mash`` command works without the ``web`` extra.
"""
