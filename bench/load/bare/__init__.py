"""The load benchmark's external yardstick: a bare TechEmpower "fortunes" Django page."""
