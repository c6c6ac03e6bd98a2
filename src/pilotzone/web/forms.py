"""Posted forms, typed: a form with fixed fields is a msgspec Struct taken by the handler as
``data: Annotated[TheForm, URL_ENCODED]`` (every field text defaulting to ``""``, so a missing field
decodes and the page re-renders with its field errors; a field posted twice is Litestar's 400)."""

from litestar.enums import RequestEncodingType
from litestar.params import Body

URL_ENCODED = Body(media_type=RequestEncodingType.URL_ENCODED)
