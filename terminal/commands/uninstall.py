"""`venue-terminal uninstall`: disable and remove the systemd units `venue-terminal install` wrote
(terminal/commands/install.py, where both live)."""
from __future__ import annotations

from .install import register_uninstall as register

__all__ = ["register"]
