"""Output: the Jinja2 templates, self-hosted assets (CSS, the Vega bundle, scripts), and the files of each page
(the page, its filter slices, a family's pages and listing).

Layer: render. May import ``pages`` and everything below it.
"""
