#!/usr/bin/env python
import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailflow.settings")
    import django
    from django.core.management import execute_from_command_line

    # Setting Django up allocates a few hundred thousand objects that live until the
    # exit; with the collector off meanwhile none of its passes walks them (~20 ms of
    # every command run from cron), and once frozen the command's own collections and
    # the interpreter's last one at the exit skip them too (~40 ms more). A long-running
    # command (qcluster, runserver, collect_emails --idle) collects its own garbage as
    # usual.
    gc.disable()
    try:
        django.setup()
    finally:
        gc.freeze()
        gc.enable()
    execute_from_command_line(sys.argv)
    gc.freeze()


if __name__ == "__main__":
    main()
