"""The build: gather and validate everything, decide what changed (fingerprints), run the reports, write the new
site beside the old one and swap it in; the manifest; sealing of private reports' files; ``check``.

Layer: build. May import ``render`` and everything below it.
"""
