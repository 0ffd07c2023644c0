"""The one door to Google: the only package that imports the Google client libraries."""
