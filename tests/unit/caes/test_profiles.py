"""CAE profiles: the shipped files follow the schema, a bad file stops with a
French message naming the file and the field, and the start copies them into
the database."""
import shutil

import pytest
import yaml

from bot.caes import CAES_DIR, ProfileError, contribution_text, load_dir
from bot.caes.store import ProfileCache, load_profiles, read_profiles
from bot.storage.db import Database, upgrade


def test_shipped_profiles_load_and_say_they_are_examples():
    profiles = load_dir()
    assert {"coop-normandie", "coop-lyon", "coop-paris", "coop-batir-rhone"} <= set(profiles)
    for profile in profiles.values():
        assert profile.example, f"{profile.slug}: a shipped sample must say it is fictitious"
        assert "fictif" in profile.example
    # The one built from seed 000 says so, with Scop276's figures.
    normandie = profiles["coop-normandie"]
    assert "000_14699e2ccd265c2f.txt" in normandie.example
    assert contribution_text(normandie) == "11 % de votre marge brute"
    assert "it_hosting" in normandie.excluded_categories


def test_contribution_range_and_minimum():
    profiles = load_dir()
    assert contribution_text(profiles["coop-paris"]) == "entre 9 et 12 % de votre marge brute"
    assert contribution_text(profiles["coop-lyon"]).startswith("10 % de votre chiffre d'affaires, avec un minimum")


def _copy(tmp_path, slug="coop-lyon"):
    target = tmp_path / "caes"
    target.mkdir()
    shutil.copy(CAES_DIR / "schema.json", target / "schema.json")
    shutil.copy(CAES_DIR / f"{slug}.yml", target / f"{slug}.yml")
    return target


@pytest.mark.parametrize("change, field", [
    (lambda d: d["contribution"].update(base="benefice"), "contribution/base"),
    (lambda d: d.pop("name"), "(racine)"),
    (lambda d: d["territory"].update(departements=["100"]), "territory/departements/0"),
    (lambda d: d["contribution"].pop("rate"), "contribution"),
    (lambda d: d.update(colour="rouge"), "(racine)"),
])
def test_bad_profile_names_file_and_field(tmp_path, monkeypatch, change, field):
    directory = _copy(tmp_path)
    path = directory / "coop-lyon.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr("bot.caes.profiles.SCHEMA_FILE", directory / "schema.json")
    with pytest.raises(ProfileError) as error:
        load_dir(directory)
    message = str(error.value)
    assert "caes/coop-lyon.yml" in message and f"« {field} »" in message
    assert message.startswith("Profil de CAE")


def test_file_name_must_be_the_slug(tmp_path):
    directory = _copy(tmp_path)
    (directory / "coop-lyon.yml").rename(directory / "autre.yml")
    with pytest.raises(ProfileError, match="« slug »"):
        load_dir(directory)


def test_unreadable_yaml(tmp_path):
    directory = _copy(tmp_path)
    (directory / "coop-lyon.yml").write_text("slug: [oops", encoding="utf-8")
    with pytest.raises(ProfileError, match="caes/coop-lyon.yml"):
        load_dir(directory)


def test_start_copies_profiles_into_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'cae.db'}"
    upgrade(url)
    db = Database(url)
    try:
        ids = load_profiles(db)
        assert set(ids) == set(load_dir())
        stored = read_profiles(db)
        assert stored["coop-normandie"].name == "Coopérative d'activité Normandie"
        assert contribution_text(stored["coop-normandie"]) == "11 % de votre marge brute"
        # Again: nothing duplicated; a removed file leaves the CAE without profile.
        directory = _copy(tmp_path, "coop-normandie")
        assert load_profiles(db, directory) == {"coop-normandie": ids["coop-normandie"]}
        assert set(read_profiles(db)) == {"coop-normandie"}
        cache = ProfileCache()
        assert cache.get(db, "coop-normandie").slug == "coop-normandie"
        assert cache.get(db, "coop-lyon") is None and cache.get(db, None) is None
        assert cache.cae_id(db, "coop-normandie") == ids["coop-normandie"]
    finally:
        db.dispose()


def test_last_change_wins_between_dashboard_and_file(tmp_path):
    from bot.caes.store import history, save_profile

    url = f"sqlite:///{tmp_path / 'cae.db'}"
    upgrade(url)
    db = Database(url)
    try:
        directory = _copy(tmp_path, "coop-lyon")
        load_profiles(db, directory)
        data = yaml.safe_load((directory / "coop-lyon.yml").read_text(encoding="utf-8"))
        data["insurance"] = "une RC Pro de groupe, depuis cette année"
        assert save_profile(db, "coop-lyon", yaml.safe_dump(data, allow_unicode=True), None, "a@cae.test") \
            == ["insurance"]
        load_profiles(db, directory)  # file unchanged: the edit stays
        assert read_profiles(db)["coop-lyon"].raw["insurance"].startswith("une RC Pro de groupe")
        path = directory / "coop-lyon.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("minimum_eur: 50", "minimum_eur: 60"),
                        encoding="utf-8")
        load_profiles(db, directory)  # the file changed since: it wins, audited
        stored = read_profiles(db)["coop-lyon"]
        assert stored.contribution["minimum_eur"] == 60 and "activité par activité" in stored.raw["insurance"]
        assert [(c["source"], c["fields"]) for c in history(db, "coop-lyon")] == [
            ("file", ["contribution", "insurance"]), ("dashboard", ["insurance"])]
    finally:
        db.dispose()


def test_a_bad_profile_stops_the_start_in_french(tmp_path, monkeypatch, capsys):
    from bot import run

    directory = _copy(tmp_path)
    path = directory / "coop-lyon.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("base: chiffre_affaires", "base: benefice"),
                    encoding="utf-8")
    monkeypatch.setattr("bot.caes.profiles.CAES_DIR", directory)
    monkeypatch.setenv("CAE_DATABASE_URL", f"sqlite:///{tmp_path / 'cae.db'}")
    monkeypatch.setattr(run, "private_umask", lambda: None)
    monkeypatch.setattr(run, "Servers", lambda *a, **k: pytest.fail("no server may start"))
    assert run.main() == 1
    error = capsys.readouterr().err
    assert error.startswith("Démarrage impossible : Profil de CAE caes/coop-lyon.yml non valable, "
                            "champ « contribution/base » : valeur non permise")
