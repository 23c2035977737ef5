"""Open press room: press releases as feeds, open data and web pages."""

__version__ = "0.1.0"
