"""The simulation's customers: the same seed writes the same mail, in ru/en/zh, and an order that states
its monthly need states it in words the desk's config recognises."""
from chalicelib.core.config import load_config
from chalicelib.settings import DEFAULT_CONFIG
from devstack.traffic import Traffic

CONFIG = load_config(DEFAULT_CONFIG)


def _messages(seed: int, n: int = 60):
    traffic = Traffic(CONFIG, seed)
    return [traffic.first_message() for _ in range(n)]


def test_the_same_seed_writes_the_same_messages_and_another_seed_others():
    first = [(m.customer.email, m.subject, m.body) for m in _messages(7)]
    assert first == [(m.customer.email, m.subject, m.body) for m in _messages(7)]
    assert first != [(m.customer.email, m.subject, m.body) for m in _messages(8)]


def test_customers_write_in_russian_english_and_chinese_about_every_category():
    messages = _messages(3, 300)
    assert {m.lang for m in messages} == {"ru", "en", "zh"}
    assert {m.category for m in messages} == {"question", "order", "documents", "complaint", "auto_reply"}


def test_an_order_that_states_its_monthly_need_has_it_as_the_config_sees_it():
    need = next(f for f in CONFIG.category("order").required_facts if f.id == "monthly_need")
    orders = [m for m in _messages(5, 400) if m.category == "order"]
    assert orders and all(need.found(m.body) == m.states_need for m in orders)
    traffic = Traffic(CONFIG, 1)
    assert all(need.found(traffic.need_reply(lang)) for lang in ("ru", "en", "zh"))
