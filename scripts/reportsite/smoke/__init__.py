"""Smoke checks: every page of a built or published site opened in Chromium at desktop and phone width, checked
for anything a reader would notice; finding the browser; a quiet local HTTP server.

Layer: delivery, beside ``deploy`` (they do not import each other). May import ``ops`` and everything below it.
"""
