"""gunicorn's access log without check-in tokens: `/c/<token>/` is logged as `/c/…/`."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from alliance.log_privacy import mask


class MaskedLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):  # request line, path, referer
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        return atoms
