"""The public site: the home page, the privacy policy and the cookie list (and banner)."""
