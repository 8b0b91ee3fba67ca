#!/usr/bin/python3
"""Scripted chat demo: simulated guest users talk in one room, and every delivery is checked.

Each user logs in over its own WebSocket, joins the room, and sends --messages messages
(--delay seconds apart, each with a clientMsgId so a retried send is stored once). Then the
script waits until every user has received every user's messages, its own included (the
server echoes a sender's message back to it), prints what each user received with the
latency of each delivery, and a p50/p95/max summary.

Latency is measured from the sender's send to the receiver's receipt, both taken on this
process's monotonic clock (no clock skew between machines).

Exit code: 0 when every message reached every user, in seq order, once; 1 when anything was
lost, duplicated, reordered or refused; 2 for bad arguments.

Needs only Debian's python3-websockets (10.x): /usr/bin/python3 clients/demo/demo.py --help
"""
import argparse
import asyncio
import json
import random
import re
import string
import sys
import time

try:
    import websockets
except ImportError:  # pragma: no cover - environment problem, not a demo failure
    sys.exit("demo.py needs python3-websockets (apt-get install -y python3-websockets)")

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
ROOM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class DemoError(Exception):
    """A request failed: the message says which and why."""


class User:
    """One simulated user: a socket, request/reply by ref, and what it received."""

    def __init__(self, name, url, timeout):
        self.name = name
        self.url = url
        self.timeout = timeout
        self.ws = None
        self.reader = None
        self.refs = 0
        self.pending = {}
        self.received = []  # (message, monotonic receive time)
        self.changed = asyncio.Event()
        self.problems = []

    async def connect(self):
        self.ws = await websockets.connect(self.url, open_timeout=self.timeout, max_size=2**20)
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                self._on_frame(json.loads(raw), time.monotonic())
        except websockets.ConnectionClosed:
            pass
        finally:
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(DemoError(f"{self.name}: connection closed"))
            self.changed.set()

    def _on_frame(self, frame, now):
        ref = frame.get("ref")
        # rateLimit.warning repeats a reply's ref after the reply: not a reply itself.
        if ref in self.pending and frame["type"] != "rateLimit.warning":
            fut = self.pending.pop(ref)
            if not fut.done():
                fut.set_result(frame)
        elif frame["type"] == "message.received":
            self.received.append((frame["data"], now))
            self.changed.set()
        elif frame["type"] == "error":
            self.problems.append(f"unsolicited error {frame['data'].get('code')}: {frame['data'].get('message')}")

    async def request(self, type_, data):
        self.refs += 1
        ref = f"r{self.refs}"
        fut = asyncio.get_running_loop().create_future()
        self.pending[ref] = fut
        await self.ws.send(json.dumps({"type": type_, "ref": ref, "data": data}))
        try:
            return await asyncio.wait_for(fut, self.timeout)
        except asyncio.TimeoutError:
            self.pending.pop(ref, None)
            raise DemoError(f"{self.name}: {type_} got no reply within {self.timeout}s") from None

    async def expect(self, reply_type, type_, data):
        frame = await self.request(type_, data)
        if frame["type"] != reply_type:
            d = frame.get("data", {})
            err = DemoError(f"{self.name}: {type_} failed: {d.get('code')}: {d.get('message')}")
            err.code = d.get("code")
            err.retry_after_ms = d.get("retryAfterMs")
            raise err
        return frame["data"]

    async def send_message(self, room, text, client_msg_id):
        """Sends once; a RATE_LIMITED refusal (nothing applied) is retried after retryAfterMs."""
        for _ in range(20):
            try:
                return await self.expect("message.ack", "message.send", {"roomId": room, "text": text, "clientMsgId": client_msg_id})
            except DemoError as err:
                if getattr(err, "code", None) != "RATE_LIMITED":
                    raise
                await asyncio.sleep((err.retry_after_ms or 1000) / 1000)
        raise DemoError(f"{self.name}: still rate limited after 20 tries")

    async def wait_for(self, done, deadline):
        while not done(self) and self.ws.open:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                return

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


async def run(args):
    run_id = "".join(random.choices(string.ascii_lowercase + string.digits, k=4))
    url = f"ws://{args.host}:{args.port}/ws"
    names = [f"{NAMES[i] if i < len(NAMES) else f'user{i + 1}'}-{run_id}" for i in range(args.users)]
    users = [User(n, url, args.timeout) for n in names]
    room = args.room
    print(f"demo: {args.users} users x {args.messages} messages in #{room} at {url} (run {run_id})")

    try:
        await asyncio.gather(*(u.connect() for u in users))
        await asyncio.gather(*(u.expect("auth.success", "auth.login", {"username": u.name}) for u in users))
        try:
            await users[0].expect("room.created", "room.create", {"roomId": room, "name": room})
        except DemoError as err:
            if getattr(err, "code", None) != "ROOM_EXISTS":
                raise
        await asyncio.gather(*(u.expect("room.joined", "room.join", {"roomId": room, "limit": 1}) for u in users))
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException, DemoError) as err:
        print(f"FAIL: setup: {err or type(err).__name__}")
        await asyncio.gather(*(u.close() for u in users), return_exceptions=True)
        return 1

    # Everyone is a member before anyone speaks, so everyone is owed every message.
    sent_at = {}  # clientMsgId -> monotonic send time
    sent_by = {}  # clientMsgId -> (sender, k)
    by_text = {}  # text -> clientMsgId: texts are unique per run (they name the sender)

    async def talk(user):
        for k in range(1, args.messages + 1):
            cmid = f"{run_id}-{user.name}-{k}"
            sent_at[cmid] = time.monotonic()
            sent_by[cmid] = (user.name, k)
            text = f"message {k} of {args.messages} from {user.name}"
            by_text[text] = cmid
            await user.send_message(room, text, cmid)
            if k < args.messages:
                await asyncio.sleep(args.delay)

    failures = []
    results = await asyncio.gather(*(talk(u) for u in users), return_exceptions=True)
    failures += [str(r) for r in results if isinstance(r, Exception)]

    expected = set(sent_at)
    # This run's messages, keyed by clientMsgId (older runs may have used the same room).
    def mine(u):
        return [(by_text[m["text"]], m, t) for m, t in u.received if m.get("text") in by_text]

    deadline = time.monotonic() + args.timeout
    await asyncio.gather(*(u.wait_for(lambda u: {c for c, _, _ in mine(u)} >= expected, deadline) for u in users))

    latencies = []
    for u in users:
        got = mine(u)
        ids = [c for c, _, _ in got]
        seqs = [m["seq"] for _, m, _ in got]
        print(f"{u.name} received {len(set(ids) & expected)}/{len(expected)} messages")
        if not args.quiet:
            for c, m, t in got:
                print(f"  [seq {m['seq']}] {m['username']}: {m['text']}  ({(t - sent_at[c]) * 1000:.1f} ms)")
        latencies += [(t - sent_at[c]) * 1000 for c, _, t in got]
        missing = sorted(expected - set(ids), key=lambda c: sent_by[c])
        if missing:
            failures.append(f"{u.name} missed {len(missing)}: " + ", ".join(f"{sent_by[c][0]} #{sent_by[c][1]}" for c in missing))
        if len(ids) != len(set(ids)):
            failures.append(f"{u.name} received duplicates")
        if seqs != sorted(set(seqs)):
            failures.append(f"{u.name} received out of seq order: {seqs}")
        failures += [f"{u.name}: {p}" for p in u.problems]

    latencies.sort()
    print(
        f"latency (send -> receive, {len(latencies)} deliveries): "
        f"p50 {percentile(latencies, 50):.1f} ms  p95 {percentile(latencies, 95):.1f} ms  max {(latencies[-1] if latencies else 0):.1f} ms"
    )

    for u in users:
        try:
            await u.expect("room.left", "room.leave", {"roomId": room})  # keep the demo room's member list short
        except (DemoError, websockets.WebSocketException):
            pass
    await asyncio.gather(*(u.close() for u in users), return_exceptions=True)

    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        return 1
    print(f"OK: all {len(users)} users received all {len(expected)} messages")
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description="Simulated users chat in one room; exits 1 if any message is lost.")
    p.add_argument("--users", type=int, default=3, help="simulated users (default 3)")
    p.add_argument("--messages", type=int, default=5, help="messages per user (default 5)")
    p.add_argument("--room", default="demo", help="room id (default demo; created if missing)")
    p.add_argument("--host", default="127.0.0.1", help="gateway host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=3000, help="gateway port (default 3000)")
    # 0.05 s keeps 5 messages inside the per-user burst (20) of the gateway's rate limit.
    p.add_argument("--delay", type=float, default=0.05, help="seconds between a user's messages (default 0.05)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for replies and deliveries (default 10)")
    p.add_argument("--quiet", action="store_true", help="per-user totals only, not every message")
    args = p.parse_args(argv)
    if args.users < 1 or args.messages < 1 or args.delay < 0 or args.timeout <= 0:
        p.error("--users and --messages must be >= 1, --delay >= 0, --timeout > 0")
    if not ROOM_ID.match(args.room):
        p.error("--room must match ^[a-z0-9][a-z0-9_-]{0,63}$")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args(sys.argv[1:]))))
