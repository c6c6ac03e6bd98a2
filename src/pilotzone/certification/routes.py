"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.certification.application_controllers import ApplicationController
from pilotzone.certification.controllers import SchemeController
from pilotzone.certification.notice_controllers import (
    CertificateController,
    NoticeController,
    VerifyController,
)
from pilotzone.certification.review_controllers import AnswerController, ReviewController
from pilotzone.certification.scheme_builder import SchemeBuilderController

ROUTES = [
    SchemeController,
    SchemeBuilderController,
    ApplicationController,
    ReviewController,
    AnswerController,
    NoticeController,
    CertificateController,
    VerifyController,
]
