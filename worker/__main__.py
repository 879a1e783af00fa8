"""``python -m worker`` is the ``labelart`` command (Supervisor uses it: no PATH needed)."""
from .cli import main

main()
