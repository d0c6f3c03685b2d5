"""m2m-auth: machine-to-machine and programmatic authentication for Django and DRF."""

__version__ = "0.1.0"
