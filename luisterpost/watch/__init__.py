"""The watch: between nightly harvests, read the sources marked `watch = true`, enrich what is new, find hourly
episodes in residents' posts and alert on them (docs/operations.md, *Watch en meldingen*). No Prefect here."""
