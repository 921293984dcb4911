"""The tinynet playground: a Panel app on top of the numpy library ``tinynet``."""
