"""A staff member taken out of the config while requests are assigned to them: the desk keeps
working, and their department's manager answers for those requests until someone reassigns them."""
from __future__ import annotations

import re
from pathlib import Path

from chalicelib.composition import build_desk, sla_of
from chalicelib.settings import DEFAULT_CONFIG, Settings

from .test_staff_answers import CUSTOMER, customer_mail


def without_ivan(folder: Path) -> Path:
    text = Path(DEFAULT_CONFIG).read_text(encoding="utf-8")
    block = re.search(r"\[\[staff\]\]\nid = \"ivan\"\n(?:(?!\[).*\n)*", text)
    assert block, "the sample config has Ivan as a plain member of sales"
    path = folder / "desk.toml"
    path.write_text(text.replace(block.group(0), ""), encoding="utf-8")
    return path


def desk_on(desk, config_path: Path):
    r = desk.resources
    settings = Settings(table=r.table_name, bucket=r.bucket, signing_key_param=r.signing_key_param,
                        public_url="http://desk.test", config_path=config_path)
    return build_desk(settings, clock=desk.clock, session=desk.session)


def test_mail_and_the_sla_scan_for_a_request_whose_assignee_left_reach_the_department_manager(desk, tmp_path):
    outcomes = [desk.receive(customer_mail(f"Question {n}: delivery to Rotterdam", mid=f"<q{n}@maasvlakte>"))
                for n in range(3)]
    [outcome, *_] = [o for o in outcomes if o.assignee == "ivan"]
    service = desk_on(desk, without_ivan(tmp_path))
    ack = [m for m in desk.sent_to(CUSTOMER) if outcome.ticket in m["subject"]][0]
    back = customer_mail("Re: " + ack["subject"], "Any news about the delivery?\r\n", "<c2@maasvlakte>",
                         f"In-Reply-To: {ack['message_id']}\r\n")
    result = service.receive_mail(desk.put_raw(back), [outcome.reply_to])
    assert (result.outcome, result.request_id) == ("threaded", outcome.request_id)
    told = [m for m in desk.sent_to("olga@requestflow.example") if outcome.ticket in m["subject"]]
    assert told and "Any news about the delivery?" in told[-1]["text"]

    desk.clock.advance(days=3)
    before = len(desk.sent())
    sla_of(service).scan()
    late = [m for m in desk.sent()[before:] if outcome.ticket in m["subject"]]
    assert late and all("olga@requestflow.example" in m["to"] for m in late), [m["to"] for m in late]
