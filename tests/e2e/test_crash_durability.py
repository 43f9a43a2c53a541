"""Nothing lost: every safety record acknowledged with a 200 survives a SIGKILL mid-burst."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from support.server import ServerProcess

MESSAGES = [
    "I broke out in hives after the new antibiotic, my name is Dana Ruiz",
    "my dad took a double dose of his warfarin by mistake and his gums are bleeding",
    "you gave me the wrong strength of metoprolol and I feel faint",
    "um my daughter swallowed some of my iron pills call me at 555 201 3344",
    "the seal on my insulin box was broken when it arrived",
    "someone at the counter read my HIV medication list out loud",
]
BURST = 60
KILL_AFTER = 12


@pytest.mark.slow
async def test_when_killed_mid_burst_then_every_acknowledged_record_is_stored(
    server: ServerProcess,
) -> None:
    server.start()
    acknowledged: dict[str, str] = {}  # request id -> record id
    done = asyncio.Event()

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:

        async def send(i: int) -> None:
            request_id = f"burst-{i:03d}"
            try:
                response = await http.post(
                    "/api/v1/classify",
                    json={"message": MESSAGES[i % len(MESSAGES)], "channel": "chat"},
                    headers={"X-Request-ID": request_id},
                )
            except httpx.HTTPError:
                return  # the server died under this request: it was never acknowledged
            if response.status_code == 200:
                body = response.json()
                assert body["category"] == "safety_compliance"
                acknowledged[request_id] = body["next_step"]["record_id"]
                if len(acknowledged) >= KILL_AFTER:
                    done.set()

        async def killer() -> None:
            await done.wait()
            await asyncio.to_thread(server.kill)

        semaphore = asyncio.Semaphore(8)

        async def bounded(i: int) -> None:
            async with semaphore:
                if server.process is not None and server.process.poll() is None:
                    await send(i)

        kill_task = asyncio.create_task(killer())
        await asyncio.gather(*(bounded(i) for i in range(BURST)))
        await asyncio.wait_for(kill_task, timeout=60)

    assert len(acknowledged) >= KILL_AFTER
    assert len(acknowledged) < BURST, "the kill landed after the burst; nothing was tested"
    assert all(acknowledged.values()), "a 200 without a stored record id"

    server.start()  # same database, fresh process
    key = server.cli("keys", "create", "--scope", "compliance:read", "--name", "crash-test")
    assert key.returncode == 0, key.stderr
    token = key.stdout.strip().splitlines()[-1]
    async with httpx.AsyncClient(
        base_url=server.url, timeout=30, headers={"X-API-Key": token}
    ) as http:
        for request_id, record_id in acknowledged.items():
            response = await http.get(f"/api/v1/compliance/records/{record_id}")
            assert response.status_code == 200, request_id
            assert response.json()["request_id"] == request_id

    verify = server.cli("audit", "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
