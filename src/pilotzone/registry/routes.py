"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.registry.controllers import EnterpriseController, ParkController
from pilotzone.registry.negative_list import NegativeListController
from pilotzone.registry.registration_pages import DecisionController, RegistrationController
from pilotzone.registry.talents import TalentController
from pilotzone.registry.warehouses import WarehouseController

ROUTES = [
    ParkController,
    EnterpriseController,
    WarehouseController,
    TalentController,
    RegistrationController,
    DecisionController,
    NegativeListController,
]
