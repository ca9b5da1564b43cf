"""One module per chapter registers the self-checks of that chapter's exercises (see lossutils.checks)."""
