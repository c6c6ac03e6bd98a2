"""Every job kind of every package, and every periodic run: the module ``pilotzone worker`` hands to
Dramatiq, imported by every process that runs a worker (``serve``'s in-process worker, the tests).
Importing it also puts the outbox's recovery on the broker (``pilotzone.jobs.worker``). Part of the
composition root: ``pilotzone.jobs`` itself knows no domain."""

from pilotzone.certification import actors as certification
from pilotzone.funding import actors as funding
from pilotzone.jobs import actors as jobs
from pilotzone.jobs import worker  # noqa: F401 - adds the RecoveryMiddleware to the broker
from pilotzone.notify import actors as notify
from pilotzone.overview import actors as overview
from pilotzone.trade import actors as trade
from pilotzone.workflow import actors as workflow

ACTORS = (*jobs.ACTORS, *workflow.ACTORS, *certification.ACTORS, *funding.ACTORS, *overview.ACTORS, *notify.ACTORS,
          *trade.ACTORS)
PERIODIC = (*workflow.PERIODIC, *certification.PERIODIC, *funding.PERIODIC, *overview.PERIODIC, *notify.PERIODIC,
            *trade.PERIODIC)
