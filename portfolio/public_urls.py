"""The public portfolio page at /p/<slug>/ (no namespace: its address is the learner's own)."""

urlpatterns = []
