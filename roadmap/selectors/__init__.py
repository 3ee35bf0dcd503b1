"""Every read the roadmap's pages and emails need: `from roadmap import selectors`."""

from roadmap.selectors.progress import *  # noqa: F403
