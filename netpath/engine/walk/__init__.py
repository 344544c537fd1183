"""The walk: one loop moves a packet from position to position (`loop.py`), asking the handler
of each kind of position (`table.py`) what happens there. `position.py` holds the vocabulary of
the walk (positions, flows, the record of one walk); the other modules are the handlers and the
checks they make (security groups and NACLs, NetworkPolicies, kube-proxy).
"""
