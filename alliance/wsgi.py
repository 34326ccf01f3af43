import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
application = get_wsgi_application()


def settle() -> None:
    """Load every view module now instead of on the first request, then hide what is loaded
    from the garbage collector.

    About 170,000 long-lived objects (Django, the views, Altair, NumPy, Polars) made each full
    collection take 100-150 ms, and one landed in a request every few dozen: that was the
    caseload's p95 (docs/performance.md). Frozen objects are never traversed again; they are
    never freed either, which is what module-level objects are anyway."""
    import alliance.urls  # noqa: F401

    gc.collect()
    gc.freeze()


settle()
