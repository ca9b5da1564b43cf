"""Data generation and widget compute functions of the chapters (pure, tested): what a reader need not see."""
