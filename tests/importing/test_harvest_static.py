"""The change feed in the static site (``passports site``): the root at ``feed/passports/index.nq``
and every page as a file at the path of its IRI, served with the media type the site's ``_headers``
gives them; ``passports harvest`` takes it in like the live feed. A second build after more writes
leaves the full pages' bytes as they were and adds the new ones."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from registry.core.settings import Settings
from registry.model.uris import owning_passport
from registry.static_site.builder import build_site
from registry.static_site.server_config import headers_file
from registry.store.registry import Registry
from tests.conftest import passport_ttl, run_cli
from tests.importing.test_harvest import _docs, _fill, passports
from tests.servers import free_port


class _AsHeadersSay(SimpleHTTPRequestHandler):
    """A static host applying the site's ``_headers`` rule for the feed's files (no suffix)."""

    def guess_type(self, path) -> str:
        return "application/n-quads" if "/feed/passports/" in str(path) else super().guess_type(path)

    def log_message(self, *args) -> None:
        pass


def test_the_static_sites_feed_is_harvested_like_the_live_one(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"  # the site is published at the registry's base IRI
    settings = Settings(data_dir=tmp_path / "source", base_iri=base, feed_page_size=3)
    with Registry.open(settings) as registry:
        _fill(registry, base, 7)  # 7 versions, 2 updates, 1 retirement: pages 1-3 full, page 4 open
    out = tmp_path / "site"
    build_site(settings, out, languages=("en",))
    feed = out / "feed" / "passports"
    assert sorted(p.name for p in feed.iterdir()) == ["1", "2", "3", "4", "index.nq"]
    assert "/feed/passports/*\n  Content-Type: application/n-quads" in headers_file()
    full_page = (feed / "2").read_bytes()

    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_AsHeadersSay, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = run_cli("harvest", base + "feed/passports/index.nq", "--data", str(tmp_path / "local"))
        assert done.returncode == 0, done.stderr
        assert "4 pages read, 10 members" in done.stderr
        with (Registry.open(Settings(data_dir=tmp_path / "local"), read_only=True) as local,
              Registry.open(settings, read_only=True) as source):
            assert passports(local, base) == passports(source, base)

        with Registry.open(settings) as registry:  # more writes, a second build: full pages stay as they were
            registry.add(_docs(base, passport_ttl("p8") + passport_ttl("p4", amount="61")))
            registry.retire(owning_passport(base, f"{base}id/passport/GM0153/p6"), "demolished")
        build_site(settings, out, languages=("en",))
        assert (feed / "2").read_bytes() == full_page and (feed / "5").exists()
        again = run_cli("harvest", base + "feed/passports/index.nq", "--data", str(tmp_path / "local"))
        assert again.returncode == 0 and "1 new, 1 updated" in again.stderr and "1 retired" in again.stderr, again.stderr
        with (Registry.open(Settings(data_dir=tmp_path / "local"), read_only=True) as local,
              Registry.open(settings, read_only=True) as source):
            assert passports(local, base) == passports(source, base)
    finally:
        server.shutdown()
        server.server_close()
