"""How values read: numbers, money, percentages, dates and times by locale and time zone; brand colours;
URL tokens and ``$name`` parameters; query values as JSON and text.

Layer: values (pure, no I/O). May import only ``errors``. Every other stage may import it.
"""
