"""PDFs of report pages: each built page printed by headless Chromium at A4 or Letter, charts redrawn at the
paper's width, with the site's brand, the report's "data as of" line and page numbers in the margins.

Layer: pdf, between ``build`` (which calls it on the staged site, before private reports are sealed) and
``render`` (whose pages it prints). May import ``render`` and everything below it, and the ``browser`` tool.
"""
