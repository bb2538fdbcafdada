"""The `hub` command (main), its subcommands by subject, and the demo that runs a round trip."""

from hub.cli.command import main, run_async

__all__ = ["main", "run_async"]
