"""Code that assembles a page for its view (labels, geometry, CSS classes, 404s), from
the selectors' reads; no writes."""
