#!/usr/bin/env python
"""Development entry point; `alliance` (installed by pip) is the same thing."""

from alliance.cli import main

if __name__ == "__main__":
    main()
