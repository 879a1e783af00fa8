"""Label.Art's ML backend: an SDK (``base``), bundled PyTorch models (``models``) and an HTTP
server (``server``) speaking the Label Studio ML-backend protocol.

The package never imports ``worker``: a backend can run on its own host, and the service
loads the same classes in-process for bundled models.
"""
