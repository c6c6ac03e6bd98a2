"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.funding.application_controllers import FundingApplicationController
from pilotzone.funding.award_list import AwardListController
from pilotzone.funding.award_notice import AwardNoticeController
from pilotzone.funding.builder import ProgramBuilderController
from pilotzone.funding.controllers import ProgramController
from pilotzone.funding.round_controllers import FundingRoundController
from pilotzone.funding.round_form import RoundFormController
from pilotzone.funding.tax import TaxEstimateController

ROUTES = [
    ProgramController,
    ProgramBuilderController,
    RoundFormController,
    FundingApplicationController,
    FundingRoundController,
    AwardNoticeController,
    AwardListController,
    TaxEstimateController,
]
