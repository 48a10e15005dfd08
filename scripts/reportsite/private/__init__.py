"""Private reports: who may read which report (audiences, passwords from the environment), the keys and the
AES-256-GCM sealing only a password opens, and new passwords.

Layer: pages' building blocks, beside ``charts`` and ``downloads``. May import ``config``, ``values`` and the
base modules.
"""
