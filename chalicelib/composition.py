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
    desk = IntakeService(
        config=config,
        table=DeskTable(table, lease_scale=settings.time_scale, transactions=settings.event_transactions),
        store=MailStore(client("s3", config=Config(signature_version="s3v4")), settings.bucket),
        mailer=Mailer(client("ses"), settings.ses_configuration_set),
        templates=Templates(),
        clock=clock,
        reply_addresses=ReplyAddresses(str(config.desk.address), secret),
        status_links=StatusLinks(secret, settings.public_url),
        count=count or _metrics_count,
        approvals_factory=lambda desk: _approvals(desk, settings, secret, lambda: client("stepfunctions")),
        signin_links=SigninLinks(secret, settings.public_url, clock),
        sessions=Sessions(secret, clock),
        closure_factory=lambda desk: _closure(desk, settings, secret),
    )
    desk.sla_links = _sla_links(secret, settings.public_url)
    return desk


def _approvals(desk, settings: Settings, secret: bytes, sfn_client):
    """The approval routes of a desk: its state machines, versions, links and mail."""
    from .adapters.sfn import RouteMachines
    from .core.routes.links import ActionLinks
    from .service.approvals import Approvals
    from .service.route_mail import RouteMail
    from .service.routes import RouteRegistry

    machines = RouteMachines(sfn_client, machine_prefix=settings.route_machine_prefix,
                             role_arn=settings.route_role_arn,
                             substitutions={"TaskQueueUrl": settings.task_queue_url or ""})
    links = ActionLinks(secret, settings.public_url)
    registry = RouteRegistry(config=desk.config, table=desk.table, machines=machines, clock=desk.clock)
    notices = RouteMail(config=desk.config, table=desk.table, templates=desk.templates, outbox=desk.outbox,
                        conversation=desk.conversation, links=links, reply_addresses=desk.reply_addresses,
                        status_links=desk.status_links, clock=desk.clock, public_url=settings.public_url,
                        signin_links=desk.signin_links)
    return Approvals(config=desk.config, table=desk.table, machines=machines, registry=registry,
                     outbox=desk.outbox, templates=desk.templates, clock=desk.clock, links=links, notices=notices,
                     time_scale=settings.time_scale)


def _closure(desk, settings: Settings, secret: bytes):
    """Closure and the satisfaction survey of a desk."""
    from .core.requests.survey import SurveyLinks
    from .service.closure import Closure

    return Closure(config=desk.config, table=desk.table, templates=desk.templates, outbox=desk.outbox,
                   conversation=desk.conversation, links=SurveyLinks(secret, settings.public_url),
                   status_links=desk.status_links, signin_links=desk.signin_links, clock=desk.clock)


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


def _sla_links(secret: bytes, public_url: str):
    from .core.sla.links import ReassignLinks

    return ReassignLinks(secret, public_url)


def sla_of(service):
    """The SLA scan and the red-zone links of a desk (built on first use, kept on the desk)."""
    found = getattr(service, "_sla_desk", None)
    if found is None:
        from .service.sla import SlaDesk

        found = SlaDesk(config=service.config, table=service.table, templates=service.templates,
                        outbox=service.outbox, conversation=service.conversation, clock=service.clock,
                        reply_addresses=service.reply_addresses, links=service.sla_links,
                        signin_links=service.signin_links)
        service._sla_desk = found
    return found
