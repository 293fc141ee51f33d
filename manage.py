#!/usr/bin/env python
"""Django's command-line utility, with configuration errors shown as one line."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")
    from django.core.management import execute_from_command_line

    from core.env import SettingError

    try:
        execute_from_command_line(sys.argv)
    except SettingError as exc:
        sys.exit(f"configuration error: {exc}")


if __name__ == "__main__":
    main()
