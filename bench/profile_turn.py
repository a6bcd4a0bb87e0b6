"""Where the time of one turn goes: ``python -m bench.profile_turn`` loads the
model in this process (with a real action server), replays the benchmark script
under cProfile and prints the functions with the most cumulative time."""
from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import time

from bench.run import SCRIPT
from bot.servers import ActionServer, free_port
from bot.training import ensure_model


async def replay(agent, rounds: int) -> list[float]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    timings = []
    for n in range(rounds):
        for text in SCRIPT:
            start = time.perf_counter()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"profile-{n}"))
            timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    with ActionServer(free_port(), "127.0.0.1") as actions:
        endpoints = AvailableEndpoints(action=EndpointConfig(f"{actions.url}/webhook", token=actions.token))
        loop = asyncio.new_event_loop()
        agent = loop.run_until_complete(load_agent(model_path=str(ensure_model()), endpoints=endpoints))
        loop.run_until_complete(replay(agent, 2))  # warm-up
        profiler = cProfile.Profile()
        profiler.enable()
        timings = loop.run_until_complete(replay(agent, 10))
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    print(out.getvalue())
    timings.sort()
    print(f"{len(timings)} turns in-process: median {timings[len(timings) // 2] * 1000:.0f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
