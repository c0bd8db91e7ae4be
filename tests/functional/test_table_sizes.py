"""The table keeps what it is given, whatever its size: long texts are stored compressed and a large
email's content in an item of its own, and both read back as they were written."""
from __future__ import annotations

import random

import pytest

from chalicelib.adapters.dynamodb import WRITE_UNIT, item_size, value_size
from chalicelib.core.requests.models import Message, Outbound



def words(n: int, seed: int) -> str:
    rng = random.Random(seed)
    pool = ["плёнка", "рулон", "delivery", "invoice", "订单", "发票", "pallet", "счёт", "order", "交货"]
    return " ".join(rng.choice(pool) for _ in range(n))


@pytest.mark.parametrize("length", [10, 200, 2000])
def test_a_message_text_of_any_length_reads_back_as_written(desk, length):
    table = desk.service.table
    text = words(length, length)
    message = Message(request_id="R-SIZE", direction="in", at=f"2026-11-02T09:00:{length % 60:02d}Z",
                      author="c@customer.example", kind="email", subject="Размер", text=text)
    assert table.add_message(message, "0001")
    [stored] = table.messages("R-SIZE")
    assert stored["text"] == text
    raw = table._table.get_item(Key={"PK": "REQ#R-SIZE", "SK": f"MSG#{message.at}#0001"})["Item"]
    assert ("text_z" in raw) == (value_size(text) > 512)


@pytest.mark.parametrize("length", [20, 3000])
def test_an_email_of_any_size_is_kept_whole_and_its_outbox_item_stays_within_a_write_unit(desk, length):
    table = desk.service.table
    mail = Outbound(outbox_id=f"size-{length}", kind="answer", request_id="R-SIZE", to=["c@customer.example"],
                    from_address="desk@requestflow.example", from_name="Desk", subject="Re: size",
                    text=words(length, 7), html="<p>" + words(length, 8) + "</p>", message_id=f"<size-{length}@x>")
    assert table.enqueue(mail, "2026-11-02T09:00:00Z")
    raw = table._table.get_item(Key={"PK": f"OUT#size-{length}", "SK": "-"})["Item"]
    assert item_size(raw) <= WRITE_UNIT
    assert ("content_item" in raw) == (length > 20)
    stored = table.outbound(f"size-{length}")
    assert (stored["text"], stored["html"]) == (mail.text, mail.html)


def test_dynamodb_counts_names_and_values_as_its_guide_says():
    assert item_size({"PK": "ab", "n": 12345, "ok": True, "tags": ["x", "yz"]}) == \
        (2 + 2) + (1 + 4) + (2 + 1) + (4 + 3 + 2 + 3)
    assert value_size("плёнка") == 12 and value_size(b"\x00" * 10) == 10 and value_size(None) == 1
