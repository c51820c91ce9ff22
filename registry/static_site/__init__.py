"""The static copy of the site, built from the same page contexts and templates as the server."""
