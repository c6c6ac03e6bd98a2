"""The routes of this package, collected by ``pilotzone.app``: the inbox, and in development the
page of the mails the embedded SMTP sink kept."""

from litestar.types import ControllerRouterHandler

from pilotzone.notify.controllers import InboxController
from pilotzone.notify.devmail import DevMailController
from pilotzone.settings import get_settings

ROUTES: list[ControllerRouterHandler] = [InboxController]
if get_settings().env == "development":
    ROUTES.append(DevMailController)
