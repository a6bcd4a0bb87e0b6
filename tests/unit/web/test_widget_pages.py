"""The privacy page (from the retention settings) and the bubble's preview
page (look options escaped into data attributes, under the widget's CSP)."""
from __future__ import annotations

from bot.privacy.notice import RetentionDays, privacy_page_url


async def test_privacy_page_says_the_configured_periods(client, monkeypatch):
    monkeypatch.setenv("CAE_RETENTION_TRANSCRIPTS_DAYS", "90")
    monkeypatch.setenv("CAE_RETENTION_CANCELLED_DAYS", "15")
    monkeypatch.setenv("CAE_RETENTION_PEOPLE_DAYS", "400")
    reply = await client.get("/confidentialite")
    assert reply.status == 200
    page = await reply.text()
    assert "effacées 90 jours après le dernier message" in page
    assert "effacées 15 jours après l'annulation" in page
    assert "après 400 jours sans activité" in page
    assert "'unsafe-inline'" not in reply.headers["Content-Security-Policy"]


async def test_privacy_page_defaults_are_the_purge_defaults(client, monkeypatch):
    for name in ("TRANSCRIPTS", "CANCELLED", "PEOPLE"):
        monkeypatch.delenv(f"CAE_RETENTION_{name}_DAYS", raising=False)
    assert RetentionDays.from_env() == RetentionDays(180, 30, 365)
    page = await (await client.get("/confidentialite")).text()
    assert "effacées 180 jours" in page and "365 jours" in page


def test_privacy_page_url_is_absolute():
    assert privacy_page_url("https://assistant.ma-cae.fr/") == "https://assistant.ma-cae.fr/confidentialite"


async def test_preview_escapes_the_look_options(client):
    reply = await client.get("/apercu", params={"color": "#6a1b9a", "name": 'Ma "CAE"><script>x</script>',
                                                "other": "ignored"})
    assert reply.status == 200
    page = await reply.text()
    assert 'data-color="#6a1b9a"' in page
    assert 'data-name="Ma &quot;CAE&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "<script>x" not in page and "data-other" not in page
    assert 'data-rasa-url="http://rasa.test:5005"' in page
    # The chat bundle injects its CSS: inline styles only on the widget pages.
    assert "style-src 'self' 'unsafe-inline'" in reply.headers["Content-Security-Policy"]
    assert "script-src 'self';" in reply.headers["Content-Security-Policy"]
