"""PilotZone: one deployment serving every cross-border e-commerce pilot zone of a province."""

import os

# Piccolo finds its engine and apps through this module (also for the `piccolo` CLI).
os.environ.setdefault("PICCOLO_CONF", "pilotzone.piccolo_conf")
