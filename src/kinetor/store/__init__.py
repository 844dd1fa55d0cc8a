"""The project store: studies, analyses, versioned results and an append-only audit trail.

SQLAlchemy 2 with Alembic migrations shipped in the package (run on opening; no
``alembic.ini``). Default: an SQLite file in the user's data directory (see
:func:`default_url`; ``KINETOR_STORE`` overrides it); a team points every client at one
PostgreSQL database (``Store("postgresql://user@host/kinetor")``, CLI ``--store``).
See docs/web.md.

>>> from kinetor.store import Store
>>> st = Store("sqlite://")
>>> pid = st.create_project("demo", user="ana")
>>> [p["name"] for p in st.projects("ana")], st.projects("ben")
(['demo'], [])
"""

from kinetor.store._engine import default_url, normalise_url
from kinetor.store._results import safe_name
from kinetor.store._util import StoreError
from kinetor.store.api import Store
from kinetor.store.migrate import current, downgrade, upgrade

__all__ = [
    "Store",
    "StoreError",
    "current",
    "default_url",
    "downgrade",
    "normalise_url",
    "safe_name",
    "upgrade",
]
