"""How dates and times read on Marblejar's pages and in its e-mails, per language.

Django reads these through ``FORMAT_MODULE_PATH`` (see ``marblejar/lib/dates.py``).
"""
