"""The composition root: builds the desk from settings on first use. Nothing happens at import."""
from __future__ import annotations

from functools import lru_cache

from .core.clock import Clock, SystemClock
from .core.config import load_config
from .core.links import StatusLinks
from .core.pages.session import Sessions, SigninLinks
from .core.render import Templates
from .core.requests.tickets import ReplyAddresses
from .settings import Settings


def build_desk(settings: Settings, clock: Clock | None = None, session=None, count=None):
    import boto3
    from botocore.config import Config

    from .adapters.dynamodb import DeskTable
    from .adapters.s3 import MailStore
    from .adapters.ses import Mailer
    from .adapters.ssm import signing_key
    from .service.intake import IntakeService

    config = load_config(settings.config_path)
    session = session or boto3.session.Session()

    def client(name: str, **options):
        return session.client(name, endpoint_url=settings.endpoint_url, **options)

    table = session.resource("dynamodb", endpoint_url=settings.endpoint_url).Table(settings.table)
    secret = signing_key(client("ssm"), settings.signing_key_param)
    clock = clock or SystemClock()
    return IntakeService(
        config=config,
        table=DeskTable(table),
        store=MailStore(client("s3", config=Config(signature_version="s3v4")), settings.bucket),
        mailer=Mailer(client("ses"), settings.ses_configuration_set),
        templates=Templates(),
        clock=clock,
        reply_addresses=ReplyAddresses(str(config.desk.address), secret),
        status_links=StatusLinks(secret, settings.public_url),
        count=count or _metrics_count,
        signin_links=SigninLinks(secret, settings.public_url, clock),
        sessions=Sessions(secret, clock),
    )


_installed = None


def _metrics_count(name: str) -> None:
    from .observability import count

    count(name)


def install(prebuilt) -> None:
    """Use a desk built elsewhere (the embedded stack builds one with its scaled clock)."""
    global _installed
    _installed = prebuilt


def desk():
    """The desk of this Lambda container (built on the first invocation, reused after)."""
    return _installed or _desk_from_env()


@lru_cache(maxsize=1)
def _desk_from_env():
    return build_desk(Settings.from_env())
