"""m2m-auth: machine-to-machine and programmatic authentication for Django and DRF."""

# The one place the version is written: setuptools reads it for the
# distribution's metadata (pyproject.toml, dynamic version).
__version__ = "0.1.0"
