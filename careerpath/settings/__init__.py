"""Settings: base.py holds everything, the others adjust it for one environment."""
