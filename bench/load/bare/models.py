"""The fortunes table; bench/load/benchmark.py creates and fills it in the scratch database."""

from django.db import models


class Fortune(models.Model):
    message = models.CharField(max_length=2048)

    class Meta:
        app_label = "bare"
        db_table = "bench_fortune"
        managed = False

    def __str__(self) -> str:
        return self.message
