"""watchclub's engine: settings, storage, domain logic, the Bot class and the CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("watchclub")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
