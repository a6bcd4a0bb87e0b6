"""``make bench``: figures, not a test. Prints a table and writes var/bench/latest.json.

- Turn latency (p50/p95/p99) and turns per second through the REST channel at
  1, 16 and 64 concurrent conversations, each conversation replaying a script
  with custom actions (a FAQ answer, the eligibility form and its validation),
  on the embedded default (one Rasa server, SQLite) and on the production
  profile (two Rasa servers behind nginx, PostgreSQL, Redis).
- Peak memory (VmHWM) of each process.
- Training time of the current model (from its training record).
- Booking contention: 200 simultaneous requests for a 20-seat session, SQLite and PostgreSQL.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

from bot import settings
from bot.servers import Servers, free_port
from bot.training import ensure_model, model_path

SCRIPT = ["bonjour", "c'est quoi une CAE ?", "/check_eligibility", "je suis plombier", "oui",
          "je suis au chômage", "non"]
LEVELS = (1, 16, 64)
TURNS_PER_USER = {1: 40, 16: 10, 64: 5}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def load(url: str, users: int, turns: int, tag: str) -> dict:
    latencies: list[float] = []
    errors = 0

    async def user(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        sender = f"bench-{tag}-{users}-{n}-{time.time_ns()}"
        for turn in range(turns):
            body = {"sender": sender, "message": SCRIPT[turn % len(SCRIPT)]}
            start = time.perf_counter()
            try:
                async with session.post(url, json=body) as reply:
                    await reply.read()
                    if reply.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        wall = time.perf_counter() - start
    return {"concurrency": users, "turns": len(latencies), "errors": errors,
            "turns_per_s": round(len(latencies) / wall, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000), "p95_ms": round(percentile(latencies, 95) * 1000),
            "p99_ms": round(percentile(latencies, 99) * 1000)}


def peak_rss_mb(pids: dict[str, int]) -> dict[str, int]:
    result = {}
    for name, pid in pids.items():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    result[name] = int(line.split()[1]) // 1024
        except OSError:
            continue
    return result


def run_levels(url: str, tag: str) -> list[dict]:
    asyncio.run(load(url, 2, len(SCRIPT), f"{tag}-warm"))  # warm-up: every step once
    return [asyncio.run(load(url, users, TURNS_PER_USER[users], tag)) for users in LEVELS]


def embedded(model: Path, work: Path) -> dict:
    actions_port = free_port()
    env = {**os.environ, "CAE_DATABASE_URL": f"sqlite:///{work / 'cae.db'}",
           "CAE_TRACKER_DB_URL": f"sqlite:///{work / 'tracker.db'}",
           "CAE_RATE_LIMIT_PER_MINUTE": "100000", "CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "100000",
           "CAE_RATE_LIMIT_GLOBAL_PER_MINUTE": "100000", "CAE_OUTBOX_DIR": str(work / "outbox")}
    from bot.booking.sample import load_sample
    from bot.storage.db import Database, upgrade
    upgrade(env["CAE_DATABASE_URL"])
    load_sample(Database(env["CAE_DATABASE_URL"]))
    servers = Servers(model=model, token="bench", rasa_port=free_port(), actions_port=actions_port,
                      var_dir=work, web_port=free_port(), env=env, log_dir=work / "logs")
    started = time.perf_counter()
    servers.start()
    try:
        servers.wait_ready(timeout=600)
        ready_s = round(time.perf_counter() - started, 1)
        levels = run_levels(servers.rest_webhook, "embedded")
        memory = peak_rss_mb({name: p.pid for name, p in servers.processes.items()})
    finally:
        servers.stop()
    return {"ready_s": ready_s, "levels": levels, "peak_rss_mb": memory}


def production(model: Path, work: Path) -> dict:
    from bot.deploy.profile import ProdProfile

    # The load comes from one address: no rate limit may slow it down.
    for name in ("CAE_RATE_LIMIT_PER_MINUTE", "CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "CAE_RATE_LIMIT_GLOBAL_PER_MINUTE"):
        os.environ[name] = "100000"
    profile = ProdProfile(model=model, token="bench", base=work / "prod", public_port=free_port(), keep_data=False)
    started = time.perf_counter()
    profile.start()
    try:
        profile.wait_ready(timeout=600)
        ready_s = round(time.perf_counter() - started, 1)
        levels = run_levels(profile.rest_webhook, "prod")
        memory = peak_rss_mb(profile.pids())
    finally:
        profile.stop()
    return {"ready_s": ready_s, "levels": levels, "peak_rss_mb": memory}


def booking_contention(url: str) -> dict:
    from sqlalchemy import select

    from bot.booking import service
    from bot.booking.errors import BookingError
    from bot.storage.db import Database, upgrade
    from bot.storage.models import Booking, Cae, InfoSession
    from bot.storage.models import utcnow
    from datetime import timedelta

    upgrade(url)
    db = Database(url, pool_size=20, max_overflow=40) if url.startswith("postgresql") else Database(url)
    with db.session() as s:
        cae = Cae(name="Bench", slug=f"bench-{time.time_ns()}")
        s.add(cae)
        s.flush()
        session = InfoSession(cae_id=cae.id, video_url="https://v.test", starts_at=utcnow() + timedelta(days=3),
                              ends_at=utcnow() + timedelta(days=3, hours=2), capacity=20)
        s.add(session)
        s.flush()
        session_id = session.id
    barrier = threading.Barrier(200)
    refused: list[str] = []

    def one(n: int) -> None:
        barrier.wait()
        try:
            service.book(db, session_id, {"first_name": "P", "last_name": str(n),
                                          "email": f"bench.{n}@example.org"},
                         consent=True, waitlist_ok=True, notify=False)
        except BookingError as error:
            refused.append(type(error).__name__)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(200)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    with db.reader() as s:
        statuses = [b.status for b in s.execute(select(Booking).where(Booking.session_id == session_id)).scalars()]
    db.dispose()
    return {"seconds": round(seconds, 2), "registered": statuses.count("registered"),
            "waitlisted": statuses.count("waitlisted"), "bookings": len(statuses), "refused": len(refused)}


def contention(work: Path) -> dict:
    from bot.deploy.postgres import PostgresCluster, find_bin_dir

    result = {"sqlite": booking_contention(f"sqlite:///{work / 'contention.db'}")}
    bin_dir = find_bin_dir()
    if bin_dir:
        with PostgresCluster(bin_dir, database="bench") as cluster:
            result["postgresql"] = booking_contention(cluster.url)
    return result


def table(results: dict) -> str:
    lines = ["profile      conc.  turns/s   p50 ms   p95 ms   p99 ms  errors"]
    for name in ("embedded", "production"):
        for level in results.get(name, {}).get("levels", []):
            lines.append(f"{name:<12} {level['concurrency']:>5} {level['turns_per_s']:>8} {level['p50_ms']:>8} "
                         f"{level['p95_ms']:>8} {level['p99_ms']:>8} {level['errors']:>7}")
    for name in ("embedded", "production"):
        if name in results:
            lines.append(f"{name}: ready in {results[name]['ready_s']} s; peak RSS (MB) {results[name]['peak_rss_mb']}")
    lines.append(f"training: {results.get('training_s')} s")
    for db, figures in results.get("contention", {}).items():
        lines.append(f"booking contention {db}: 200 requests in {figures['seconds']} s -> "
                     f"{figures['registered']} registered, {figures['waitlisted']} waitlisted, "
                     f"{figures['refused']} refused")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("embedded", "production", "contention"), action="append")
    args = parser.parse_args(argv)
    only = set(args.only or ("embedded", "production", "contention"))
    model = ensure_model()
    record = Path(str(model_path()).replace(".tar.gz", ".json"))
    results: dict = {"model": model.name, "cpus": os.cpu_count(),
                     "training_s": json.loads(record.read_text())["seconds"] if record.exists() else None}
    with tempfile.TemporaryDirectory(prefix="cae-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # PostgreSQL runs as the postgres user and must reach its directory
        if "embedded" in only:
            (work / "embedded").mkdir()
            results["embedded"] = embedded(model, work / "embedded")
        if "production" in only:
            results["production"] = production(model, work)
        if "contention" in only:
            results["contention"] = contention(work)
    out = Path(settings.VAR_DIR) / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(table(results))
    print(f"\n-> {out / 'latest.json'}")


if __name__ == "__main__":
    main()
