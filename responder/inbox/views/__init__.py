"""The officers' HTML pages: the inbox (views/inbox.py), the case page (views/case.py)
and the answer library (views/library.py)."""
