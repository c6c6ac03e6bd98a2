"""The job kinds of this package (the statistics snapshot); the composition root collects every
package's ``ACTORS`` (``pilotzone.actors``)."""

from pilotzone.jobs.snapshot import snapshot_step

ACTORS = (snapshot_step,)
