"""Portfolio views, one module per area."""
