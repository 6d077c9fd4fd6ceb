# The Go package `export` lives in this directory too; this file only makes
# `python3 -m export.torch.<module>` work from the repository root. Go ignores it.
