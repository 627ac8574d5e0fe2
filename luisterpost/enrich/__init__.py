"""Enrichment of stored mentions: sentiment (and, later, themes, woonkernen, language)."""
