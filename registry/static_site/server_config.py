"""The recommended web server configuration written into the static site: the same security
headers as the registry's own server (:mod:`registry.views.headers`), for whoever serves the folder.

- ``_headers``: the format of Netlify and Cloudflare Pages (a path pattern, then indented
  ``Name: value`` lines); other hosts ignore it (it is a plain file there).
- ``nginx.conf.example``: a ``location`` block for nginx with the headers (``always``: on error
  answers too) and the media types of every kind of file in the site (RDF included).

The static site has no server of its own, so these are what a deployment copies; a site opened
from disk (``file://``) has no headers at all, and its pages need none to work.
"""

from __future__ import annotations

from registry.views.headers import security_headers

# What nginx must call each kind of file of the site (its own mime.types lacks the RDF ones).
MEDIA_TYPES = (("text/html", "html"), ("text/css", "css"), ("application/javascript", "js"),
               ("application/json", "json"), ("image/svg+xml", "svg"), ("image/png", "png"),
               ("text/plain", "txt"), ("application/xml", "xml"), ("text/turtle", "ttl"),
               ("application/ld+json", "jsonld"), ("application/n-triples", "nt"),
               ("application/gzip", "gz"), ("application/rdf+xml", "rdf"), ("application/n-quads", "nq"))
# Files without a suffix that are not HTML: the VoID description (registry.views.opendata.void)
NO_SUFFIX = (("/.well-known/void", "text/turtle"),)
# Folders of such files: the pages of the change feed (registry.views.feed.static_files)
NO_SUFFIX_FOLDERS = (("/feed/passports/", "application/n-quads"),)


def headers_file(tile_url: str = "") -> str:
    """``_headers`` for Netlify and Cloudflare Pages: the security headers on every path."""
    lines = ["# Security headers of the material passport registry's static site",
             "# (Netlify / Cloudflare Pages format; written by `passports site`).", "/*"]
    lines += [f"  {name}: {value}" for name, value in security_headers(tile_url).items()]
    for path, media_type in NO_SUFFIX + tuple((folder + "*", t) for folder, t in NO_SUFFIX_FOLDERS):
        lines += [path, f"  Content-Type: {media_type}"]
    return "\n".join(lines) + "\n"


def nginx_example(tile_url: str = "") -> str:
    """A ``location`` block for nginx that serves the site with the security headers."""
    headers = "\n".join(f'    add_header {name} "{value}" always;'
                        for name, value in security_headers(tile_url).items())
    types = "\n".join(f"        {media_type} {suffix};" for media_type, suffix in MEDIA_TYPES)
    exact = "".join(f"location = {path} {{\n    root /srv/passports/site;\n    default_type {media_type};\n"
                    f"{headers}\n}}\n" for path, media_type in NO_SUFFIX)
    exact += "".join(f"location {folder} {{\n    root /srv/passports/site;\n    default_type {media_type};\n"
                     f"    try_files $uri =404;\n{headers}\n}}\n" for folder, media_type in NO_SUFFIX_FOLDERS)
    return f"""# nginx: serve the material passport registry's static site with its security headers.
# Put this inside a server {{ }} block (with TLS) and set root to the folder of this file.
location / {{
    root /srv/passports/site;
    index index.html;
    try_files $uri $uri.html $uri/ =404;
{headers}
    types {{
{types}
    }}
    default_type application/octet-stream;
}}
{exact}"""
