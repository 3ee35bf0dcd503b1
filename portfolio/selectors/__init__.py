"""Portfolio selectors, one module per area."""
