"""The officers' HTML pages: the inbox (views/inbox.py), the case page (views/case/)
and the answer library (views/library.py)."""
