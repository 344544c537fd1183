"""netpath: explains how a packet travels through AWS and Kubernetes networking."""

__version__ = "0.1.0"
