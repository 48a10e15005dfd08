"""Downloads: a query's rows as CSV (streamed) and as an Excel workbook, formatted per column.

Layer: pages' building blocks, beside ``charts`` and ``private``. May import ``values`` and the base modules.
"""
