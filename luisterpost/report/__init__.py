"""Reports: metrics → a plain context → Jinja templates → HTML (interactive) and PDF (print CSS)."""
