"""The command line: thin commands that call one library function each, and the preview server.

Layer: entry, the top. May import every stage.
"""
