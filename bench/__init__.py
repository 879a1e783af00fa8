"""Label.Art benchmarks: ``make bench`` (see bench/README.md)."""
