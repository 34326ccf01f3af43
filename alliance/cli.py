"""The `alliance` command: Django's manage.py under the product's name.

`alliance demo`, `alliance serve`, `alliance migrate`, `alliance createadmin`, and every other
management command, each with --help.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["alliance", *sys.argv[1:]])


if __name__ == "__main__":
    main()
