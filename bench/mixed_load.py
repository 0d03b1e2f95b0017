"""A small company's day over HTTP, against the platform as `make run` serves it.

Used by `bench/bench_mixed_load.py` (the full 3 minutes, with figures) and by
`tests/concurrency/test_served_load.py` (a shorter run in `make test` that must see no
5xx and no "database is locked").

- **World** (`build_world`, run in `mercator manage shell`): one verified sugar mill with
  one SKU listed (10^9 t, 5 000/t), four verified buyer companies with four purchasing
  members and one finance member each, one bearer token per member.
- **Server**: `mercator serve --with-worker` on a free 127.0.0.1 port, with
  `mercator serve`'s own defaults (2 × cores + 1 gunicorn processes × 4 threads), the
  Huey worker beside it, `DEBUG` off, no Redis: the embedded default.
- **Clients**: one thread per member (16), each with its own keep-alive connection and
  token, looping until the time is up: list the listings, open one, ask a price, put 1 t
  in the cart, check out (Idempotency-Key), have the company's finance member pay through
  the gateway (Idempotency-Key),
  deliver the gateway's signed `charge.succeeded` webhook, read the order back. Clients
  0–3 also sign a new person and company up through the web form every
  ``SIGNUP_EVERY`` rounds (a real password hash each), all four at the start together.

Every answer is recorded (operation, status, seconds); a 5xx or a body that mentions
"database is locked" is kept with its body for the report.
"""

import hashlib
import hmac
import http.client
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import BenchError, Database, Server, mercator

BENCH_DIR = Path(__file__).resolve().parent
CLIENTS = 16
BUYER_COMPANIES = 4
SIGNUP_CLIENTS = 4
SIGNUP_EVERY = 8  # rounds between sign-ups of clients 0-3
GATEWAY_SECRET = "load-" + "s" * 40
REQUEST_TIMEOUT = 60  # seconds; more than gunicorn's worker timeout would allow anyway


def build_world() -> dict[str, Any]:
    """In `mercator manage shell`: the mill, its listing and 16 buyers with tokens."""
    from decimal import Decimal

    from django.utils import timezone

    from mercator.catalog.models import Category, Listing, Market, Product, Sku, Unit
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.models import Company
    from mercator.companies.roles import Role
    from mercator.companies.services.members import company_create, membership_add
    from mercator.companies.services.tokens import token_create
    from mercator.core.actor import SYSTEM
    from mercator.core.models import User
    from mercator.pricing.models import PriceList, PriceRule

    def person(email: str, name: str) -> User:
        return User.objects.create_user(email=email, password=None, display_name=name)

    def company(n: int, short: str, kind: str) -> Company:
        made = company_create(
            actor=SYSTEM,
            master=person(f"boss{n}@load.example", f"老板{n}"),
            legal_name=f"{short}有限公司",
            short_name=short,
            kind=kind,
            province="广西",
        )
        Company.objects.filter(pk=made.pk).update(
            verification_status=Company.Verification.VERIFIED, verified_at=timezone.now()
        )
        made.refresh_from_db()
        return made

    mill = company(0, "负载糖厂", Company.Kind.SELLER)
    market, _ = Market.objects.get_or_create(
        code="sugar", defaults={"name": "食糖", "favours": ["better", "cheaper"]}
    )
    category, _ = Category.objects.get_or_create(
        code="white-sugar", defaults={"market": market, "name": "白砂糖"}
    )
    product = Product.objects.create(
        seller=mill, category=category, name="一级白砂糖", grade="国标一级", unit=Unit.TONNE
    )
    sku = Sku.objects.create(
        product=product, seller=mill, code="WS1-LOAD", name="50kg 袋装", unit=Unit.TONNE
    )
    listing = Listing.objects.create(
        seller=mill,
        sku=sku,
        market=market,
        stock=Decimal("1000000000"),
        origin="崇左仓",
        province="广西",
    )
    price_list = PriceList.objects.create(seller=mill, name="标准价")
    PriceRule.objects.create(price_list=price_list, sku=sku, min_qty=0, unit_price=5000)

    def token(seat: Any) -> str:
        return token_create(actor=actor_for_membership(seat, via="api"), name="load")[1]

    clients = []
    for c in range(1, BUYER_COMPANIES + 1):
        buyer = company(c, f"负载食品{c}", Company.Kind.BUYER)
        finance = membership_add(
            actor=SYSTEM,
            company=buyer,
            person=person(f"finance{c}@load.example", f"财务{c}"),
            role=Role.FINANCE,
        )
        for m in range(CLIENTS // BUYER_COMPANIES):
            seat = membership_add(
                actor=SYSTEM,
                company=buyer,
                person=person(f"buyer{c}-{m}@load.example", f"采购{c}-{m}"),
                role=Role.PURCHASING,
            )
            # The clerk buys; his company's finance member pays (each with a token).
            clients.append({"buyer": token(seat), "payer": token(finance)})
    return {"listing": str(listing.public_id), "clients": clients}


WORLD_SNIPPET = f"""
import json, sys
sys.path.insert(0, {str(BENCH_DIR)!r})
from mixed_load import build_world
print("LOAD_WORLD=" + json.dumps(build_world()))
"""


def prepare(db: Database) -> dict[str, Any]:
    mercator(db, "migrate")
    out = mercator(db, "manage", "shell", "-c", WORLD_SNIPPET)
    for line in out.splitlines():
        if line.startswith("LOAD_WORLD="):
            return json.loads(line.removeprefix("LOAD_WORLD="))
    raise BenchError(f"the world printed nothing:\n{out[-2000:]}")


@contextmanager
def served(db: Database) -> Iterator[Server]:
    """`mercator serve --with-worker` with its own defaults (as `make run`)."""
    db.env["MERCATOR_SANDBOX_GATEWAY_SECRET"] = GATEWAY_SECRET
    server = Server(db, workers=0, threads=0, extra=("--with-worker",), start_timeout=120)
    with server:
        yield server


# --- the clients ---------------------------------------------------------------------


@dataclass
class Answer:
    op: str
    status: int
    seconds: float


@dataclass
class Tally:
    """Every answer of a run, and the bad ones with their bodies."""

    answers: list[Answer] = field(default_factory=list)
    bad: list[tuple[str, int, str]] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, op: str, status: int, seconds: float, body: bytes) -> None:
        locked = b"database is locked" in body
        with self.lock:
            self.answers.append(Answer(op, status, seconds))
            if status >= 500 or status == 0 or locked:
                self.bad.append((op, status, body[:300].decode("utf-8", "replace")))

    def by_op(self) -> dict[str, Counter[int]]:
        table: dict[str, Counter[int]] = defaultdict(Counter)
        for answer in self.answers:
            table[answer.op][answer.status] += 1
        return table

    def server_errors(self) -> int:
        return sum(1 for a in self.answers if a.status >= 500 or a.status == 0)


def _sign(body: bytes) -> str:
    now = int(time.time())
    digest = hmac.new(GATEWAY_SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256)
    return f"t={now},v1={digest.hexdigest()}"


class Client:
    """One member's keep-alive connection to the server."""

    def __init__(self, port: int, tokens: dict[str, str], tally: Tally) -> None:
        self.port = port
        self.tokens = tokens
        self.tally = tally
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.conn.close()

    def call(
        self,
        op: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        auth: str = "buyer",
        form: bool = False,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        data: bytes | None = None
        if body is not None:
            if isinstance(body, bytes):
                data = body
                sent.setdefault("Content-Type", "application/json")
            elif form:
                data = urllib.parse.urlencode(body).encode()
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                sent["Content-Type"] = "application/json"
        if auth:
            sent["Authorization"] = f"Bearer {self.tokens[auth]}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            self.conn.request(method, path, body=data, headers=sent)
            response = self.conn.getresponse()
            payload = response.read()
            status = response.status
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            payload, status = str(exc).encode(), 0
        self.tally.add(op, status, time.monotonic() - started, payload)
        if payload[:1] in (b"{", b"["):
            try:
                return status, json.loads(payload)
            except ValueError:
                pass
        return status, payload

    # -- one round of a buyer's work ---------------------------------------------------

    def round(self, listing: str) -> None:
        self.call("browse", "GET", "/api/v1/listings?limit=20")
        self.call("browse", "GET", f"/api/v1/listings/{listing}")
        self.call(
            "quote",
            "POST",
            "/api/v1/prices/quote",
            {"listing": listing, "quantity": "1", "payment_terms": "prepaid"},
        )
        self.call("cart", "POST", "/api/v1/cart", {"listing": listing, "quantity": "1"})
        status, orders = self.call(
            "checkout",
            "POST",
            "/api/v1/cart/checkout",
            {"payment_terms": "prepaid", "delivery_method": "pickup"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if status != 201 or not orders:
            return
        order = orders[0]["id"]
        status, intent = self.call(
            "pay",
            "POST",
            f"/api/v1/orders/{order}/pay",
            {"method": "gateway"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            auth="payer",
        )
        if status != 201:
            return
        event = {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "charge.succeeded",
            "created": int(time.time()),
            "data": {
                "intent": intent["id"],
                "charge": f"ch_{uuid.uuid4().hex[:24]}",
                "amount": intent["amount"],
                "currency": intent["currency"],
            },
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        self.call(
            "webhook",
            "POST",
            "/api/v1/payments/webhooks/sandbox",
            body,
            headers={"Mercator-Signature": _sign(body)},
            auth="",
        )
        self.call("order", "GET", f"/api/v1/orders/{order}")

    def sign_up(self, n: int) -> None:
        """A newcomer registers himself and his company through the web form."""
        self.cookies = {}
        status, page = self.call("signup", "GET", "/register/", auth="")
        token = self.cookies.get("csrftoken", "")
        if status != 200 or not token:
            return
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        tag = uuid.uuid4().hex[:10]
        form = {
            "csrfmiddlewaretoken": match.group(1).decode() if match else token,
            "person-display_name": f"新人{n}",
            "person-email": f"new-{tag}@load.example",
            "person-password": f"{uuid.uuid4().hex[:8]}-Kestrel",
            "company-legal_name": f"新客户{tag}有限公司",
            "company-short_name": f"新客户{tag}",
            "company-kind": "buyer",
            "company-size_band": "small",
        }
        headers = {"Referer": f"http://127.0.0.1:{self.port}/register/"}
        self.call("signup", "POST", "/register/", form, headers=headers, auth="", form=True)
        self.cookies = {}


def run(port: int, world: dict[str, Any], seconds: float) -> tuple[Tally, float]:
    """16 clients for ``seconds``; returns the tally and the wall time taken."""
    tally = Tally()
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(CLIENTS)

    def work(index: int) -> None:
        client = Client(port, world["clients"][index], tally)
        try:
            barrier.wait(timeout=60)
            rounds = 0
            while time.monotonic() < stop:
                if index < SIGNUP_CLIENTS and rounds % SIGNUP_EVERY == 0:
                    client.sign_up(index * 1000 + rounds)
                client.round(world["listing"])
                rounds += 1
        except Exception as exc:  # a bug in the client itself: reported, never hidden
            with tally.lock:
                tally.client_errors.append(f"client {index}: {exc!r}")
        finally:
            client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT)
    return tally, time.monotonic() - started


def report(tally: Tally, wall: float) -> str:
    """One line per operation: answers, per status, and latency percentiles."""
    lines = [
        f"{'operation':<9} {'answers':>7} {'per s':>6} {'p50 ms':>7} {'p99 ms':>8} "
        f"{'max ms':>8}  statuses"
    ]
    grouped: dict[str, list[Answer]] = defaultdict(list)
    for answer in tally.answers:
        grouped[answer.op].append(answer)
    for op in ("browse", "quote", "cart", "checkout", "pay", "webhook", "order", "signup"):
        answers = grouped.get(op, [])
        if not answers:
            continue
        times = sorted(a.seconds * 1000 for a in answers)
        p50 = times[len(times) // 2]
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        statuses = Counter(a.status for a in answers)
        shown = " ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
        lines.append(
            f"{op:<9} {len(answers):>7} {len(answers) / wall:>6.1f} {p50:>7.0f} {p99:>8.0f} "
            f"{times[-1]:>8.0f}  {shown}"
        )
    lines.append(
        f"total {len(tally.answers)} answers in {wall:.0f} s; 5xx or no answer: "
        f"{tally.server_errors()}; 'database is locked': "
        f"{sum(1 for b in tally.bad if 'database is locked' in b[2])}"
    )
    return "\n".join(lines)
